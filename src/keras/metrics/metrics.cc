// keras.metrics: Keras 2.0.2's accuracy metrics as tf:: op graphs, and
// keras.metrics.get (metrics first, then the losses).
#include "keraspp/keras/metrics.h"

#include <vector>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"

namespace keras::metrics {

namespace {

// tf.round: half to even (round(0.5) = 0, round(1.5) = 2), from floor.
tf::Tensor round_half_to_even(const tf::Tensor& x) {
  tf::Tensor r = tf::floor(x + 0.5);
  tf::Tensor tie = tf::equal(r - x, 0.5);
  tf::Tensor odd = tf::not_equal(tf::floor(r * 0.5) * 2.0, r);
  return tf::where(tf::logical_and(tie, odd), r - 1.0, r);
}

tf::DType float_type(const tf::Tensor& y_pred) {
  return y_pred.dtype() == tf::float64 ? tf::float64 : tf::float32;
}

}  // namespace

tf::Tensor binary_accuracy(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  tf::Tensor eq = tf::equal(y_true, round_half_to_even(y_pred));
  return tf::reduce_mean(tf::cast(eq, float_type(y_pred)), -1);
}

tf::Tensor categorical_accuracy(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  tf::Tensor eq = tf::equal(tf::argmax(y_true, -1), tf::argmax(y_pred, -1));
  return tf::cast(eq, float_type(y_pred));
}

tf::Tensor sparse_categorical_accuracy(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  // y_true [batch, 1] (Keras's target): max over the last axis drops it.
  tf::Tensor labels = y_true;
  if (y_true.shape().has_rank() && y_true.shape().rank() == y_pred.shape().rank())
    labels = tf::reduce_max(y_true, -1);
  tf::Tensor pred = tf::cast(tf::argmax(y_pred, -1), labels.dtype());
  return tf::cast(tf::equal(labels, pred), float_type(y_pred));
}

tf::Tensor top_k_categorical_accuracy(const tf::Tensor& y_true, const tf::Tensor& y_pred, int k) {
  const tf::TensorShape& shape = y_pred.shape();
  if (!shape.has_rank() || shape.rank() != 2 || shape.dim(-1) < 0)
    throw keraspp::ValueError("top_k_categorical_accuracy needs predictions of shape (batch, classes), got " +
                              shape.str());
  // One-hot of argmax(y_true) against a constant class index row [1, C].
  const int64_t classes = shape.dim(-1);
  np::Array ids = np::arange(classes, np::int64).reshape({1, classes});
  tf::Tensor target = tf::reshape(tf::argmax(y_true, -1), std::vector<int64_t>{-1, 1});
  tf::Tensor onehot = tf::cast(tf::equal(target, tf::constant(ids)), y_pred.dtype());
  // in_top_k: fewer than k predictions strictly above the target's.
  tf::Tensor target_pred = tf::reduce_sum(y_pred * onehot, -1, {.keepdims = true});
  tf::Tensor above = tf::reduce_sum(tf::cast(tf::greater(y_pred, target_pred), y_pred.dtype()), -1);
  tf::Tensor in_top = tf::less(above, static_cast<double>(k));
  // Keras 2.0.2 averages here already (a scalar).
  return tf::reduce_mean(tf::cast(in_top, float_type(y_pred)), -1);
}

tf::Tensor top_k_categorical_accuracy_5(const tf::Tensor& y_true, const tf::Tensor& y_pred) {
  return top_k_categorical_accuracy(y_true, y_pred, 5);
}

namespace {

struct Entry {
  const char* name;
  MetricFunctionPtr fn;
};

const std::vector<Entry>& table() {
  static const std::vector<Entry> t = {
      {"binary_accuracy", &binary_accuracy},
      {"categorical_accuracy", &categorical_accuracy},
      {"sparse_categorical_accuracy", &sparse_categorical_accuracy},
      {"top_k_categorical_accuracy", &top_k_categorical_accuracy_5},
  };
  return t;
}

}  // namespace

MetricFunctionPtr get(const std::string& name) {
  for (const Entry& e : table())
    if (name == e.name) return e.fn;
  try {
    return losses::get(name);
  } catch (const keraspp::ValueError&) {
    throw keraspp::ValueError("Unknown metric function:" + name);
  }
}

std::string name_of(MetricFunctionPtr fn) {
  for (const Entry& e : table())
    if (e.fn == fn) return e.name;
  return losses::name_of(fn);
}

Metric::Metric(const char* name) : Metric(std::string(name)) {}

Metric::Metric(const std::string& name) {
  if (name == "accuracy" || name == "acc") {
    is_accuracy_ = true;
    name_ = "acc";
    return;
  }
  MetricFunctionPtr fn = get(name);
  fn_ = fn;
  name_ = name_of(fn);
}

Metric::Metric(MetricFunctionPtr fn) {
  if (!fn) return;
  name_ = name_of(fn);
  fn_ = fn;
  if (name_.empty()) name_ = "lambda";
}

}  // namespace keras::metrics
