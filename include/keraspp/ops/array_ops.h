// Array ops: placeholders, constants, identity, shapes, reshapes, casts.
#pragma once
#include "keraspp/ops/builder.h"

namespace tf {

// x: a feed point of `dtype` and `shape` (-1 = unknown; default: unknown rank).
Tensor placeholder(DType dtype, const TensorShape& shape = TensorShape::unknown(),
                   const std::string& name = "");
// Like placeholder, but yields `input` when not fed.
Tensor placeholder_with_default(const TensorLike& input, const TensorShape& shape,
                                const std::string& name = "");
Tensor constant(const np::Array& value, const std::string& name = "");
Tensor constant(const np::Array& value, DType dtype, const std::string& name = "");
Tensor constant(double value, DType dtype = float32, const std::string& name = "");
Tensor identity(const Tensor& x, const std::string& name = "");
// Identity in the forward pass; blocks gradients.
Tensor stop_gradient(const Tensor& x, const std::string& name = "");
// Does nothing; groups control dependencies.
Operation no_op(const std::string& name = "");
// An op that runs every input op (tf.group).
Operation group(const std::vector<Operation>& inputs, const std::string& name = "");
// x: any, shape: 1-d int32 (one -1 allowed) -> x reshaped.
Tensor reshape(const Tensor& x, const TensorLike& shape, const std::string& name = "");
Tensor reshape(const Tensor& x, const std::vector<int64_t>& shape, const std::string& name = "");
// -> 1-d int32 shape of x, computed at run time.
Tensor shape(const Tensor& x, const std::string& name = "");
// dims: 1-d int32 -> tensor of that shape filled with value.
Tensor fill(const TensorLike& dims, const TensorLike& value, const std::string& name = "");
Tensor zeros(const std::vector<int64_t>& shape, DType dtype = float32, const std::string& name = "");
Tensor ones(const std::vector<int64_t>& shape, DType dtype = float32, const std::string& name = "");
Tensor zeros_like(const Tensor& x, const std::string& name = "");
Tensor ones_like(const Tensor& x, const std::string& name = "");
Tensor cast(const Tensor& x, DType dtype, const std::string& name = "");
// values: same rank, equal except on axis -> joined along axis.
Tensor concat(const std::vector<Tensor>& values, int axis, const std::string& name = "");
// Sums `x` down to `shape` (a 1-d int32 tensor of a shape x broadcasts from):
// the gradient of numpy broadcasting.
Tensor sum_to_shape(const Tensor& x, const Tensor& shape, const std::string& name = "");
// Broadcasts x to `shape` (1-d int32).
Tensor broadcast_to(const Tensor& x, const Tensor& shape, const std::string& name = "");
// The number of elements of x as a scalar of `dtype`.
Tensor size(const Tensor& x, DType dtype = int32, const std::string& name = "");
// Elementwise select: cond (bool) ? x : y, all the same shape.
Tensor where(const Tensor& condition, const TensorLike& x, const TensorLike& y,
             const std::string& name = "");

}  // namespace tf
