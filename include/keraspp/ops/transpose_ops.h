// Axis-permuting ops: tf.transpose (op "Transpose") and tf.expand_dims (op
// "ExpandDims"), which Keras's Permute / RepeatVector layers are built on.
#pragma once
#include <vector>

#include "keraspp/ops/builder.h"

namespace tf {

// x: rank n, perm: a permutation of 0..n-1 (empty = reversed axes) -> x with
// out.shape[i] = x.shape[perm[i]]. ShapeError-based InvalidArgument when perm
// is not a permutation of x's axes.
Tensor transpose(const Tensor& x, std::vector<int> perm = {}, const std::string& name = "transpose");
// x: rank n -> rank n+1 with a 1 inserted at `axis` (in [-n-1, n]).
Tensor expand_dims(const Tensor& x, int axis, const std::string& name = "");

}  // namespace tf
