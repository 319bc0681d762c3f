// The inputs of the array-rearranging ops (stack_ops.cc): Pack, Unpack,
// Tile, Squeeze, ReverseV2, ReverseSequence, Slice and SliceGrad; shared with their kernels
// (kernels/cpu/stack_ops.cc). Names and order are TF 1.x's.
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kPack{"values: N * T"};
inline constexpr ArgList kUnpack{"value: T"};
inline constexpr ArgList kTile{"input: T", "multiples: Tmultiples"};
inline constexpr ArgList kSqueeze{"input: T"};
inline constexpr ArgList kReverseV2{"tensor: T", "axis: Tidx"};
inline constexpr ArgList kReverseSequence{"input: T", "seq_lengths: Tlen"};
inline constexpr ArgList kSlice{"input: T", "begin: Index", "size: Index"};
// The gradient of Slice: grad placed at `begin` in zeros shaped like input.
inline constexpr ArgList kSliceGrad{"grad: T", "input: T", "begin: Index", "size: Index"};

}  // namespace tf::schema
