// keras.backend: tensor functions (products, reductions, elementwise math,
// reshaping) as Keras's TensorFlow backend builds them.
#include <limits>
#include <numeric>

#include "keraspp/autodiff/gradients.h"
#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"
#include "keraspp/ops/transpose_ops.h"

namespace keras::backend {

namespace {

// Keras's axis=None reduces over all axes.
tf::Axes axes(std::optional<int> axis) { return axis ? tf::Axes(*axis) : tf::Axes(tf::all_axes); }

// The static dims of x; ValueError naming `what` when more than the leading
// (batch) dim is unknown, since these helpers build static reshapes.
std::vector<int64_t> known_trailing_dims(const tf::Tensor& x, const char* what) {
  const tf::TensorShape& s = x.shape();
  if (!s.has_rank())
    throw keraspp::ValueError(std::string(what) + " needs a tensor of known rank, got " + s.str());
  std::vector<int64_t> d = s.dims();
  for (size_t i = 1; i < d.size(); ++i)
    if (d[i] < 0)
      throw keraspp::ValueError(std::string(what) +
                                " needs all dimensions but the first to be known, got shape " +
                                s.keras_str());
  return d;
}

}  // namespace

tf::Tensor identity(const tf::Tensor& x) { return tf::identity(x); }

tf::Tensor dot(const tf::Tensor& x, const tf::Tensor& y) {
  const int rx = x.shape().rank(), ry = y.shape().rank();
  if (rx <= 2 && ry <= 2) return tf::matmul(x, y);
  if (ry != 2)
    throw keraspp::ValueError("dot supports an n-d x with a 2-d y only, got y of shape " +
                              y.shape().keras_str());
  // [..., k] x [k, n]: fold the leading axes into rows.
  std::vector<int64_t> xs = known_trailing_dims(x, "dot");
  const int64_t k = xs.back();
  tf::Tensor out = tf::matmul(tf::reshape(x, std::vector<int64_t>{-1, k}), y);
  xs.back() = y.shape().dim(1);
  xs[0] = -1;
  return tf::reshape(out, xs);
}

tf::Tensor bias_add(const tf::Tensor& x, const tf::Tensor& bias) { return tf::nn::bias_add(x, bias); }

tf::Tensor transpose(const tf::Tensor& x) { return tf::transpose(x); }

tf::Tensor cast(const tf::Tensor& x, const std::string& dtype) {
  return tf::cast(x, dtype_from_string(dtype));
}

tf::Tensor max(const tf::Tensor& x, std::optional<int> axis, bool keepdims) {
  return tf::reduce_max(x, axes(axis), {.keepdims = keepdims});
}
tf::Tensor min(const tf::Tensor& x, std::optional<int> axis, bool keepdims) {
  return tf::negative(tf::reduce_max(tf::negative(x), axes(axis), {.keepdims = keepdims}));
}
tf::Tensor sum(const tf::Tensor& x, std::optional<int> axis, bool keepdims) {
  return tf::reduce_sum(x, axes(axis), {.keepdims = keepdims});
}
tf::Tensor mean(const tf::Tensor& x, std::optional<int> axis, bool keepdims) {
  tf::Tensor v = x.dtype() == tf::bool_ ? tf::cast(x, dtype_from_string(floatx())) : x;
  return tf::reduce_mean(v, axes(axis), {.keepdims = keepdims});
}
tf::Tensor any(const tf::Tensor& x, std::optional<int> axis, bool keepdims) {
  return tf::cast(max(tf::cast(x, tf::float32), axis, keepdims), tf::bool_);
}
tf::Tensor all(const tf::Tensor& x, std::optional<int> axis, bool keepdims) {
  return tf::cast(min(tf::cast(tf::cast(x, tf::bool_), tf::float32), axis, keepdims), tf::bool_);
}
tf::Tensor argmax(const tf::Tensor& x, int axis) { return tf::argmax(x, axis); }

tf::Tensor square(const tf::Tensor& x) { return tf::square(x); }
tf::Tensor abs(const tf::Tensor& x) { return tf::abs(x); }
tf::Tensor sqrt(const tf::Tensor& x) {
  return tf::sqrt(tf::clip_by_value(x, 0.0, std::numeric_limits<double>::infinity()));
}
tf::Tensor exp(const tf::Tensor& x) { return tf::exp(x); }
tf::Tensor log(const tf::Tensor& x) { return tf::log(x); }
tf::Tensor pow(const tf::Tensor& x, double a) { return tf::pow(x, a); }
tf::Tensor clip(const tf::Tensor& x, double min_value, double max_value) {
  if (max_value < min_value) max_value = min_value;
  return tf::clip_by_value(x, min_value, max_value);
}
tf::Tensor equal(const tf::Tensor& x, const tf::TensorLike& y) { return tf::equal(x, y); }
tf::Tensor not_equal(const tf::Tensor& x, const tf::TensorLike& y) { return tf::not_equal(x, y); }
tf::Tensor greater(const tf::Tensor& x, const tf::TensorLike& y) { return tf::greater(x, y); }
tf::Tensor greater_equal(const tf::Tensor& x, const tf::TensorLike& y) {
  return tf::greater_equal(x, y);
}
tf::Tensor less(const tf::Tensor& x, const tf::TensorLike& y) { return tf::less(x, y); }
tf::Tensor less_equal(const tf::Tensor& x, const tf::TensorLike& y) { return tf::less_equal(x, y); }
tf::Tensor maximum(const tf::Tensor& x, const tf::TensorLike& y) { return tf::maximum(x, y); }
tf::Tensor minimum(const tf::Tensor& x, const tf::TensorLike& y) { return tf::minimum(x, y); }

tf::Tensor concatenate(const std::vector<tf::Tensor>& tensors, int axis) {
  if (tensors.empty()) throw keraspp::ValueError("concatenate needs at least one tensor");
  if (axis < 0) {
    const int rank = tensors[0].shape().rank();
    axis = rank > 0 ? ((axis % rank) + rank) % rank : 0;
  }
  return tf::concat(tensors, axis);
}

tf::Tensor reshape(const tf::Tensor& x, const std::vector<int64_t>& shape) {
  return tf::reshape(x, shape);
}

tf::Tensor permute_dimensions(const tf::Tensor& x, const std::vector<int>& pattern) {
  return tf::transpose(x, pattern);
}

tf::Tensor repeat(const tf::Tensor& x, int64_t n) {
  if (x.shape().rank() != 2)
    throw keraspp::ValueError("repeat expects a 2-d tensor, got shape " + x.shape().keras_str());
  // [batch, 1, dim] * ones [1, n, 1] broadcasts to [batch, n, dim]; its
  // gradient sums the n copies back, as tile's does.
  tf::Tensor ones = tf::ones({1, n, 1}, x.dtype());
  return tf::multiply(tf::expand_dims(x, 1), ones);
}

tf::Tensor batch_flatten(const tf::Tensor& x) {
  const std::vector<int64_t> d = known_trailing_dims(x, "batch_flatten");
  const int64_t n = std::accumulate(d.begin() + 1, d.end(), int64_t{1}, std::multiplies<>());
  return tf::reshape(x, std::vector<int64_t>{-1, n});
}

tf::Tensor flatten(const tf::Tensor& x) { return tf::reshape(x, std::vector<int64_t>{-1}); }

tf::Tensor expand_dims(const tf::Tensor& x, int axis) { return tf::expand_dims(x, axis); }

tf::Tensor l2_normalize(const tf::Tensor& x, int axis) {
  tf::Tensor sq = tf::reduce_sum(tf::square(x), {axis}, {.keepdims = true});
  return tf::multiply(x, tf::rsqrt(tf::maximum(sq, 1e-12)));
}

std::vector<tf::Tensor> gradients(const tf::Tensor& loss, const std::vector<tf::Variable>& variables) {
  std::vector<tf::Tensor> xs;
  for (const tf::Variable& v : variables) xs.push_back(v.value());
  return tf::gradients(std::vector<tf::Tensor>{loss}, xs);
}

tf::Tensor stop_gradient(const tf::Tensor& x) { return tf::stop_gradient(x); }

}  // namespace keras::backend
