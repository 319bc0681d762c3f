// The inputs of BiasAdd, BiasAddGrad and the plan-fused backprop steps
// (nn_ops.cc), shared with their kernels (kernels/cpu/nn_ops.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// value: [N, ..., C], bias: [C].
inline constexpr ArgList kBiasAdd{"value: T", "bias: T"};
inline constexpr ArgList kBiasAddGrad{"out_backprop: T"};
inline constexpr ArgList kFloor{"x: T"};
// ReluGrad -> BiasAddGrad: relu's (gradients, features).
inline constexpr ArgList kFusedReluBiasAddGrad{"gradients: T", "features: T"};
// _FusedDropoutGrad -> ReluGrad -> BiasAddGrad: the dropout gradient's
// (dy, mask), then relu's features.
inline constexpr ArgList kFusedDropoutReluBiasAddGrad{"dy: T", "mask: T", "features: T"};

}  // namespace tf::schema
