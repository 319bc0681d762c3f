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

namespace {

// Dimension i of x as a [1] int32 tensor: the static size when known, else
// read from tf.shape(x) at run time (Keras's int_shape-or-tf.shape rule).
tf::Tensor dim_tensor(const tf::Tensor& x, int i) {
  const int64_t d = x.shape().dim(i);
  if (d >= 0) return tf::constant(np::Array::from_vector(std::vector<int32_t>{static_cast<int32_t>(d)}, {1}));
  // One-hot pick and sum: shape(x)[i] without a slicing op.
  std::vector<int32_t> pick(static_cast<size_t>(x.shape().rank()), 0);
  pick[static_cast<size_t>(i)] = 1;
  const tf::Tensor picked = tf::reduce_sum(
      tf::multiply(tf::shape(x), tf::constant(np::Array::from_vector(pick, {x.shape().rank()}))));
  return tf::reshape(picked, std::vector<int64_t>{1});
}

// A -1 (inferred) dimension, or dim i of t.
struct Dim {
  tf::Tensor t;
  int i = 0;
  int64_t known() const { return t ? t.shape().dim(i) : -1; }
  tf::Tensor tensor() const {
    return t ? dim_tensor(t, i) : tf::constant(np::Array::from_vector(std::vector<int32_t>{-1}, {1}));
  }
};

// x reshaped to `dims`: a static shape when every named dim is known, else
// a shape tensor concatenated from per-dim pieces.
tf::Tensor reshape_to(const tf::Tensor& x, const std::vector<Dim>& dims) {
  std::vector<int64_t> known;
  bool all_known = true;
  for (const Dim& d : dims) {
    known.push_back(d.known());
    all_known = all_known && (!d.t || d.known() >= 0);
  }
  if (all_known) return tf::reshape(x, known);
  std::vector<tf::Tensor> pieces;
  for (const Dim& d : dims) pieces.push_back(d.tensor());
  return tf::reshape(x, tf::concat(pieces, 0));
}

}  // namespace

// Keras 2.0's dot: 2-d operands multiply directly; otherwise x [..., k] is
// taken as rows [-1, k], y [..., k, n] with its k axis moved first as
// [k, -1], and the product reshaped to x_shape[:-1] + y_shape[:-2] +
// y_shape[-1:] (each dim static when known, else read at run time).
tf::Tensor dot(const tf::Tensor& x, const tf::Tensor& y) {
  const tf::TensorShape &xs = x.shape(), &ys = y.shape();
  if (!xs.has_rank() || !ys.has_rank() || (xs.rank() <= 2 && ys.rank() <= 2)) return tf::matmul(x, y);
  const int rx = xs.rank(), ry = ys.rank();
  if (rx < 2 || ry < 2)
    throw keraspp::ValueError("dot needs operands of rank >= 2, got shapes " + xs.keras_str() +
                              " and " + ys.keras_str());
  const tf::Tensor xt = reshape_to(x, {Dim{}, Dim{x, rx - 1}});
  // y's permutation [ry-2, 0, ..., ry-3, ry-1]; none for a 2-d y.
  tf::Tensor yp = y;
  if (ry > 2) {
    std::vector<int> perm = {ry - 2};
    for (int i = 0; i < ry - 2; ++i) perm.push_back(i);
    perm.push_back(ry - 1);
    yp = tf::transpose(y, perm);
  }
  const tf::Tensor yt = reshape_to(yp, {Dim{y, ry - 2}, Dim{}});
  std::vector<Dim> out_dims;
  for (int i = 0; i < rx - 1; ++i) out_dims.push_back({x, i});
  for (int i = 0; i < ry - 2; ++i) out_dims.push_back({y, i});
  out_dims.push_back({y, ry - 1});
  std::vector<int64_t> static_dims;
  for (const Dim& d : out_dims) static_dims.push_back(d.known());
  tf::Tensor out = reshape_to(tf::matmul(xt, yt), out_dims);
  out.set_shape(tf::TensorShape(static_dims));
  return out;
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
