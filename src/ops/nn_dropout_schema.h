// The inputs of the fused dropout ops (nn_dropout.cc), shared with their
// kernels (kernels/cpu/nn_dropout.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kFusedDropout{"x: T"};
// dy, mask: equal shapes.
inline constexpr ArgList kFusedDropoutGrad{"dy: T", "mask: T"};

}  // namespace tf::schema
