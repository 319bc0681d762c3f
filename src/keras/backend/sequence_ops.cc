// keras.backend: the sequence functions (gather, one_hot, batch_dot, stack,
// squeeze, tile, reverse) as Keras 2.0.x's TensorFlow backend builds them.
#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/gather_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/stack_ops.h"
#include "keraspp/ops/transpose_ops.h"

namespace keras::backend {

tf::Tensor gather(const tf::Tensor& reference, const tf::Tensor& indices) {
  return tf::gather(reference, indices);
}

tf::Tensor one_hot(const tf::Tensor& indices, int64_t num_classes) {
  return tf::one_hot(indices, num_classes, 1.0, 0.0, -1, tf::float32);
}

namespace {

// Moves axis `from` of a rank-3 tensor to `to` (1 or 2) by swapping 1 and 2.
tf::Tensor axis_at(const tf::Tensor& x, int from, int to) {
  return from == to ? x : tf::transpose(x, {0, 2, 1});
}

}  // namespace

tf::Tensor batch_dot(const tf::Tensor& x, const tf::Tensor& y, std::optional<std::pair<int, int>> axes) {
  const int xn = x.shape().rank(), yn = y.shape().rank();
  if (xn != yn || (xn != 2 && xn != 3))
    throw keraspp::ValueError("batch_dot supports two tensors of rank 2 or 3, got ranks " +
                              std::to_string(xn) + " and " + std::to_string(yn));
  std::pair<int, int> a = axes.value_or(xn == 2 ? std::pair{1, 1} : std::pair{2, 1});
  if (a.first < 0) a.first += xn;
  if (a.second < 0) a.second += yn;
  if (a.first < 1 || a.first >= xn || a.second < 1 || a.second >= yn)
    throw keraspp::ValueError("batch_dot axes must name non-batch axes, got (" + std::to_string(a.first) +
                              ", " + std::to_string(a.second) + ")");
  if (xn == 2) return tf::reduce_sum(x * y, 1, {.keepdims = true});
  // x [b, n, k] . y [b, k, m] as sum_k x[b, n, k, 1] * y[b, 1, k, m].
  const tf::Tensor xt = axis_at(x, a.first, 2), yt = axis_at(y, a.second, 1);
  return tf::reduce_sum(tf::expand_dims(xt, 3) * tf::expand_dims(yt, 1), 2);
}

tf::Tensor stack(const std::vector<tf::Tensor>& x, int axis) { return tf::stack(x, axis); }

tf::Tensor squeeze(const tf::Tensor& x, int axis) { return tf::squeeze(x, {axis}); }

tf::Tensor tile(const tf::Tensor& x, const std::vector<int64_t>& n) { return tf::tile(x, n); }

tf::Tensor reverse(const tf::Tensor& x, const std::vector<int>& axes) { return tf::reverse(x, axes); }

}  // namespace keras::backend
