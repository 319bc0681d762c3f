// The inputs of the activation ops declared with their own kernels' input
// constants (nn_activations.cc, kernels/cpu/nn_activations.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kSoftsign{"features: T"};
inline constexpr ArgList kSoftsignGrad{"gradients: T", "features: T"};

}  // namespace tf::schema
