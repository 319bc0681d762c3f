// The inputs of Pad, Split and SplitV (pad_split_ops.cc), shared with their
// kernels (kernels/cpu/pad_split_ops.cc). Names and order are TF 1.x's.
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// paddings: [rank(input), 2] (before, after) per axis.
inline constexpr ArgList kPad{"input: T", "paddings: Tpaddings"};
// split_dim: a scalar axis; value splits into num_split equal parts along it.
inline constexpr ArgList kSplit{"split_dim: int32", "value: T"};
// size_splits: num_split sizes along split_dim (one may be -1: the rest).
inline constexpr ArgList kSplitV{"value: T", "size_splits: Tlen", "split_dim: int32"};

}  // namespace tf::schema
