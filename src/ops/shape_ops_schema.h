// The inputs of the shape ops with more than one input (shape_ops.cc),
// shared with their kernels (kernels/cpu/shape_ops.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kReshape{"tensor: T", "shape: Tshape"};
inline constexpr ArgList kFill{"dims: int32", "value: T"};
// SumToShape and BroadcastTo: input x, the 1-d target shape.
inline constexpr ArgList kToShape{"input: T", "shape: Tshape"};
inline constexpr ArgList kSelect{"condition: bool", "t: T", "e: T"};
// The gradient, then every input of the ConcatV2 (the list starts at "inputs").
inline constexpr ArgList kConcatGrad{"grad: T", "inputs: N * T"};

}  // namespace tf::schema
