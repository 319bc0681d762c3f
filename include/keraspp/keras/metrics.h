// keras.metrics (Keras 2.0.2): per-sample metric values built from tf:: ops;
// compile() averages them over the batch (sample-weighted where Keras does).
// Any loss is also a metric.
#pragma once
#include <functional>
#include <string>

#include "keraspp/keras/losses.h"

namespace keras::metrics {

using MetricFunction = losses::LossFunction;
using MetricFunctionPtr = losses::LossFunctionPtr;

// y_true, y_pred: [batch, ..., d] -> [batch, ...]:
// mean(equal(y_true, round(y_pred)), axis=-1)
tf::Tensor binary_accuracy(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// [batch, k] -> [batch]: argmax(y_true, -1) == argmax(y_pred, -1) as floatx
tf::Tensor categorical_accuracy(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// y_true: class ids [batch] or [batch, 1]; y_pred [batch, k] -> [batch]
tf::Tensor sparse_categorical_accuracy(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// [batch, k] -> [batch]: 1 where argmax(y_true) is among y_pred's top k
// (ties counted as TF's in_top_k: a target is in the top k when fewer than k
// predictions are strictly larger).
tf::Tensor top_k_categorical_accuracy(const tf::Tensor& y_true, const tf::Tensor& y_pred,
                                      int k = 5);
// The k = 5 form as a plain metric function.
tf::Tensor top_k_categorical_accuracy_5(const tf::Tensor& y_true, const tf::Tensor& y_pred);

// The losses, as metrics (Keras re-exports them from keras.metrics).
using losses::binary_crossentropy;
using losses::categorical_crossentropy;
using losses::cosine_proximity;
using losses::hinge;
using losses::kullback_leibler_divergence;
using losses::mean_absolute_error;
using losses::mean_absolute_percentage_error;
using losses::mean_squared_error;
using losses::mean_squared_logarithmic_error;
using losses::poisson;
using losses::sparse_categorical_crossentropy;
using losses::squared_hinge;
using losses::mae;
using losses::mape;
using losses::mse;
using losses::msle;
using losses::cosine;

// A metric by name ("accuracy"/"acc", resolved at compile time against the
// output's loss and shape; any metric or loss name) or a function, with the
// name it is reported under ("acc", "mean_squared_error", "lambda", ...).
class Metric {
 public:
  Metric() = default;
  // Unknown names: ValueError "Unknown metric function:foo" (checked here,
  // "accuracy"/"acc" stay unresolved until compile).
  Metric(const char* name);
  Metric(const std::string& name);
  Metric(MetricFunctionPtr fn);
  Metric(MetricFunction fn, std::string name = "lambda")
      : fn_(std::move(fn)), name_(std::move(name)) {}
  template <class F>
    requires losses::LossCallable<F>
  Metric(F fn) : fn_(std::move(fn)), name_("lambda") {}

  // True for "accuracy"/"acc": compile picks binary/categorical/sparse.
  bool is_accuracy() const { return is_accuracy_; }
  const std::string& name() const { return name_; }
  const MetricFunction& function() const { return fn_; }

 private:
  MetricFunction fn_;
  std::string name_;
  bool is_accuracy_ = false;
};

// keras.metrics.get(name): metrics first, then losses; ValueError
// "Unknown metric function:foo".
MetricFunctionPtr get(const std::string& name);
// The Keras name of a built-in metric or loss; "" when not built in.
std::string name_of(MetricFunctionPtr fn);

}  // namespace keras::metrics
