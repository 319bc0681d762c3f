// K::normalize_batch_in_training, K::batch_normalization and
// K::moving_average_update (Keras 2.0.x's TF backend; a rank-4 input
// normalized over its channel axis runs FusedBatchNorm, as Keras 2.1.3+).
#include <algorithm>

#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_batch_norm_ops.h"

namespace keras::backend {

namespace {

int known_rank(const tf::Tensor& x, const char* fn) {
  if (!x.shape().has_rank())
    throw keraspp::ValueError(std::string(fn) + ": the input's rank must be known, got " + x.shape().str());
  return x.shape().rank();
}

// The fused op's data format for a rank-4 x normalized over `axis`, or "".
std::string fused_format(int rank, int axis) {
  if (rank != 4) return "";
  return axis == 3 ? "NHWC" : axis == 1 ? "NCHW" : "";
}

// gamma, or ones; beta, or zeros: [C] of x's dtype (C = x's `axis` dim).
tf::Tensor or_constant(const tf::Tensor& v, const tf::Tensor& x, int axis, double fill) {
  if (v) return v;
  const int64_t c = x.shape().dim(axis);
  if (c < 0) throw keraspp::ValueError("batch_normalization: the feature axis of x must be known without gamma/beta");
  return tf::constant(fill == 0 ? np::zeros({c}, x.dtype()) : np::ones({c}, x.dtype()));
}

// v: [C] -> [1, ..., C, ..., 1] with C at `axis` (empty stays empty).
tf::Tensor broadcast_to_axis(const tf::Tensor& v, int rank, int axis) {
  if (!v) return v;
  std::vector<int64_t> shape(static_cast<size_t>(rank), 1);
  shape[static_cast<size_t>(axis)] = -1;
  return tf::reshape(v, shape);
}

}  // namespace

BatchNormInTraining normalize_batch_in_training(const tf::Tensor& x, const tf::Tensor& gamma, const tf::Tensor& beta,
                                                const std::vector<int>& reduction_axes, double epsilon) {
  const int rank = known_rank(x, "normalize_batch_in_training");
  std::vector<int> axes;
  for (int a : reduction_axes) axes.push_back(a < 0 ? a + rank : a);
  std::sort(axes.begin(), axes.end());
  std::vector<int> kept;
  for (int i = 0; i < rank; ++i)
    if (!std::binary_search(axes.begin(), axes.end(), i)) kept.push_back(i);
  const int feature_axis = kept.size() == 1 ? kept[0] : -1;
  if (const std::string format = fused_format(rank, feature_axis); !format.empty()) {
    const auto r = tf::nn::fused_batch_norm(x, or_constant(gamma, x, feature_axis, 1),
                                            or_constant(beta, x, feature_axis, 0), {}, {}, epsilon, format, true);
    return {r.y, r.batch_mean, r.batch_variance};
  }
  const tf::nn::Moments m = tf::nn::moments(x, reduction_axes);
  if (feature_axis == rank - 1 || feature_axis < 0)
    return {tf::nn::batch_normalization(x, m.mean, m.variance, beta, gamma, epsilon), m.mean, m.variance};
  // The feature axis is not the last: the statistics and parameters are
  // reshaped to broadcast against x, as Keras's target_shape.
  auto b = [&](const tf::Tensor& v) { return broadcast_to_axis(v, rank, feature_axis); };
  return {tf::nn::batch_normalization(x, b(m.mean), b(m.variance), b(beta), b(gamma), epsilon), m.mean, m.variance};
}

tf::Tensor batch_normalization(const tf::Tensor& x, const tf::Tensor& mean, const tf::Tensor& var,
                               const tf::Tensor& beta, const tf::Tensor& gamma, double epsilon, int axis) {
  const int rank = known_rank(x, "batch_normalization");
  const int a = axis < 0 ? axis + rank : axis;
  const bool vectors = mean.shape().rank() == 1 && var.shape().rank() == 1;
  if (const std::string format = fused_format(rank, a); vectors && !format.empty()) {
    return tf::nn::fused_batch_norm(x, or_constant(gamma, x, a, 1), or_constant(beta, x, a, 0), mean, var, epsilon,
                                    format, false)
        .y;
  }
  if (vectors && a != rank - 1) {
    auto b = [&](const tf::Tensor& v) { return broadcast_to_axis(v, rank, a); };
    return tf::nn::batch_normalization(x, b(mean), b(var), b(beta), b(gamma), epsilon);
  }
  return tf::nn::batch_normalization(x, mean, var, beta, gamma, epsilon);
}

tf::Operation moving_average_update(const tf::Variable& x, const tf::Tensor& value, double momentum) {
  tf::name_scope scope("AssignMovingAvg");
  const tf::Tensor one_minus_decay = tf::constant(1.0 - momentum, x.value().dtype(), "decay");
  return x.assign_sub((x.value() - value) * one_minus_decay, scope.name()).op();
}

}  // namespace keras::backend
