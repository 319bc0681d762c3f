// keras.losses: Keras 2.0.2's objectives as tf:: op graphs. Each maps
// y_true, y_pred: [batch, ..., d] -> [batch, ...]; epsilon is K::epsilon().
#include "keraspp/keras/losses.h"

#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/keras_loss_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"

namespace keras::losses {

namespace {

double eps() { return keras::backend::epsilon(); }

// x: [..., d] -> x / sqrt(max(sum(x^2, -1), 1e-12)), tf.nn.l2_normalize's formula.
tf::Tensor l2_normalize(const tf::Tensor& x) {
  tf::Tensor square_sum = tf::reduce_sum(tf::square(x), -1, {.keepdims = true});
  return x * tf::rsqrt(tf::maximum(square_sum, 1e-12));
}

// tf.nn.sigmoid_cross_entropy_with_logits's stable formula:
// max(x, 0) - x*z + log(1 + exp(-|x|)).
tf::Tensor sigmoid_xent(const tf::Tensor& labels, const tf::Tensor& logits) {
  return tf::maximum(logits, 0.0) - logits * labels + tf::log(1.0 + tf::exp(-tf::abs(logits)));
}

// Whether the fused op (src/ops/keras_loss_ops.cc) covers a call: one float
// dtype and shapes it accepts (known equal ranks >= 1, compatible dims).
// Anything else -- integer or mixed dtypes, a y_true that broadcasts, unknown
// ranks, incompatible shapes -- builds the composite, which keeps its
// broadcasting and its error messages.
bool fuses_categorical_crossentropy(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  const tf::DType t = y_pred.dtype();
  if ((t != tf::float32 && t != tf::float64) || y_true.dtype() != t) return false;
  const tf::TensorShape& a = y_true.shape();
  const tf::TensorShape& b = y_pred.shape();
  return a.has_rank() && b.has_rank() && b.rank() >= 1 && a.rank() == b.rank() &&
         a.is_compatible_with(b);
}

}  // namespace

tf::Tensor mean_squared_error(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  return tf::reduce_mean(tf::square(y_pred - y_true), -1);
}

tf::Tensor mean_absolute_error(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  return tf::reduce_mean(tf::abs(y_pred - y_true), -1);
}

tf::Tensor mean_absolute_percentage_error(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  // K.clip(x, eps, None) is max(x, eps).
  tf::Tensor diff = tf::abs((y_true - y_pred) / tf::maximum(tf::abs(y_true), eps()));
  return 100.0 * tf::reduce_mean(diff, -1);
}

tf::Tensor mean_squared_logarithmic_error(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  tf::Tensor first_log = tf::log(tf::maximum(y_pred, eps()) + 1.0);
  tf::Tensor second_log = tf::log(tf::maximum(y_true, eps()) + 1.0);
  return tf::reduce_mean(tf::square(first_log - second_log), -1);
}

tf::Tensor squared_hinge(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  return tf::reduce_mean(tf::square(tf::maximum(1.0 - y_true * y_pred, 0.0)), -1);
}

tf::Tensor hinge(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  return tf::reduce_mean(tf::maximum(1.0 - y_true * y_pred, 0.0), -1);
}

tf::Tensor categorical_crossentropy(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  // One op in the caller's name scope, bit-identical to the composite below
  // (loss and gradients) and a few times faster on small batches.
  if (fuses_categorical_crossentropy(y_true, y_pred))
    return tf::keras_categorical_crossentropy(y_true, y_pred, eps());
  // Scale so each sample's class probabilities sum to 1, then clip.
  tf::Tensor p = y_pred / tf::reduce_sum(y_pred, -1, {.keepdims = true});
  p = tf::clip_by_value(p, eps(), 1.0 - eps());
  return -tf::reduce_sum(y_true * tf::log(p), -1);
}

tf::Tensor sparse_categorical_crossentropy(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  // As Keras 2.0.2's backend: log of the clipped probabilities as logits,
  // flattened targets as int64 labels.
  const tf::TensorShape& shape = y_pred.shape();
  if (!shape.has_rank() || shape.rank() < 1 || shape.dim(-1) < 0)
    throw keraspp::ValueError(
        "sparse_categorical_crossentropy needs a prediction whose last dimension is known, got " +
        shape.str());
  tf::Tensor logits = tf::log(tf::clip_by_value(y_pred, eps(), 1.0 - eps()));
  tf::Tensor labels = tf::cast(tf::reshape(y_true, std::vector<int64_t>{-1}), tf::int64);
  logits = tf::reshape(logits, std::vector<int64_t>{-1, shape.dim(-1)});
  tf::Tensor res = tf::nn::sparse_softmax_cross_entropy_with_logits(labels, logits);
  if (shape.rank() <= 2) return res;
  // [batch, t, ..., d]: back to [batch, t, ...] (inner dims must be static).
  std::vector<int64_t> out{-1};
  for (int i = 1; i < shape.rank() - 1; ++i) {
    if (shape.dim(i) < 0)
      throw keraspp::ValueError("sparse_categorical_crossentropy needs static inner dimensions, got " +
                                shape.str());
    out.push_back(shape.dim(i));
  }
  return tf::reshape(res, out);
}

tf::Tensor binary_crossentropy(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  tf::Tensor p = tf::clip_by_value(y_pred, eps(), 1.0 - eps());
  tf::Tensor logits = tf::log(p / (1.0 - p));
  return tf::reduce_mean(sigmoid_xent(y_true, logits), -1);
}

tf::Tensor kullback_leibler_divergence(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  tf::Tensor t = tf::clip_by_value(y_true, eps(), 1.0);
  tf::Tensor p = tf::clip_by_value(y_pred, eps(), 1.0);
  return tf::reduce_sum(t * tf::log(t / p), -1);
}

tf::Tensor poisson(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  return tf::reduce_mean(y_pred - y_true * tf::log(y_pred + eps()), -1);
}

tf::Tensor cosine_proximity(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  // Keras 2.0.2 takes the mean (not the sum) of the normalised product.
  return -tf::reduce_mean(l2_normalize(y_true) * l2_normalize(y_pred), -1);
}

}  // namespace keras::losses
