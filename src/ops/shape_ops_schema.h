// The inputs of the shape ops with more than one input (shape_ops.cc),
// shared with their kernels (kernels/cpu/shape_ops.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// Shape, Size: of the input.
inline constexpr ArgList kShape{"input: T"};
// ZerosLike, OnesLike: of x's shape and dtype.
inline constexpr ArgList kLike{"x: T"};
inline constexpr ArgList kCast{"x: SrcT"};
inline constexpr ArgList kReshape{"tensor: T", "shape: Tshape"};
inline constexpr ArgList kFill{"dims: index_type", "value: T"};
// SumToShape and BroadcastTo: input x, the 1-d target shape.
inline constexpr ArgList kToShape{"input: T", "shape: Tshape"};
inline constexpr ArgList kSelect{"condition: bool", "t: T", "e: T"};
// Lists of N >= 1 tensors, from the list's index on.
inline constexpr ArgList kConcatV2{"values: N * T"};
inline constexpr ArgList kAddN{"inputs: N * T"};
// The gradient, then every input of the ConcatV2 (the list starts at "inputs").
inline constexpr ArgList kConcatGrad{"grad: T", "inputs: N * T"};

}  // namespace tf::schema
