// keras.losses (Keras 2.0.2 objectives): per-sample losses built from tf::
// ops. Every loss maps y_true, y_pred: [batch, ..., d] -> [batch, ...] (the
// mean, or sum for the crossentropies, over the last axis); compile() then
// averages over the remaining axes and weights samples.
#pragma once
#include <concepts>
#include <functional>
#include <string>
#include <type_traits>

#include "keraspp/graph/graph.h"

namespace keras::losses {

using LossFunction = std::function<tf::Tensor(const tf::Tensor& y_true, const tf::Tensor& y_pred)>;
using LossFunctionPtr = tf::Tensor (*)(const tf::Tensor& y_true, const tf::Tensor& y_pred);

template <class F>
concept LossCallable = !std::convertible_to<F, std::string> &&
                       !std::same_as<std::decay_t<F>, LossFunctionPtr> &&
                       std::is_invocable_r_v<tf::Tensor, F, const tf::Tensor&, const tf::Tensor&>;

// mean(square(y_pred - y_true), axis=-1)
tf::Tensor mean_squared_error(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// mean(abs(y_pred - y_true), axis=-1)
tf::Tensor mean_absolute_error(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// 100 * mean(abs((y_true - y_pred) / clip(abs(y_true), eps, inf)), axis=-1)
tf::Tensor mean_absolute_percentage_error(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// mean(square(log(clip(y_pred, eps) + 1) - log(clip(y_true, eps) + 1)), axis=-1)
tf::Tensor mean_squared_logarithmic_error(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// mean(square(max(1 - y_true * y_pred, 0)), axis=-1)
tf::Tensor squared_hinge(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// mean(max(1 - y_true * y_pred, 0), axis=-1)
tf::Tensor hinge(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// y_pred probabilities: p = clip(y_pred / sum(y_pred, -1), eps, 1 - eps);
// -sum(y_true * log(p), axis=-1)
tf::Tensor categorical_crossentropy(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// y_true integer class ids [batch] or [batch, 1] (any dtype) -> the same as
// categorical_crossentropy on their one-hot form.
tf::Tensor sparse_categorical_crossentropy(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// p = clip(y_pred, eps, 1 - eps); logits = log(p / (1 - p));
// mean(sigmoid_cross_entropy_with_logits(y_true, logits), axis=-1)
tf::Tensor binary_crossentropy(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// sum(t * log(t / p), axis=-1), t and p clipped to [eps, 1]
tf::Tensor kullback_leibler_divergence(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// mean(y_pred - y_true * log(y_pred + eps), axis=-1)
tf::Tensor poisson(const tf::Tensor& y_true, const tf::Tensor& y_pred);
// -sum(l2_normalize(y_true, -1) * l2_normalize(y_pred, -1), axis=-1)
tf::Tensor cosine_proximity(const tf::Tensor& y_true, const tf::Tensor& y_pred);

// Keras's aliases.
inline tf::Tensor mse(const tf::Tensor& t, const tf::Tensor& p) { return mean_squared_error(t, p); }
inline tf::Tensor mae(const tf::Tensor& t, const tf::Tensor& p) { return mean_absolute_error(t, p); }
inline tf::Tensor mape(const tf::Tensor& t, const tf::Tensor& p) {
  return mean_absolute_percentage_error(t, p);
}
inline tf::Tensor msle(const tf::Tensor& t, const tf::Tensor& p) {
  return mean_squared_logarithmic_error(t, p);
}
inline tf::Tensor kld(const tf::Tensor& t, const tf::Tensor& p) {
  return kullback_leibler_divergence(t, p);
}
inline tf::Tensor cosine(const tf::Tensor& t, const tf::Tensor& p) { return cosine_proximity(t, p); }

// A loss given by name or as a function, with the name Keras would use for it
// (a built-in's own name, "mse" -> "mean_squared_error"; "lambda" otherwise).
class Loss {
 public:
  Loss() = default;
  // keras.losses.get: ValueError "Unknown loss function:foo".
  Loss(const char* name);
  Loss(const std::string& name);
  Loss(LossFunctionPtr fn);
  Loss(LossFunction fn, std::string name = "lambda") : fn_(std::move(fn)), name_(std::move(name)) {}
  template <class F>
    requires LossCallable<F>
  Loss(F fn) : fn_(std::move(fn)), name_("lambda") {}

  explicit operator bool() const { return static_cast<bool>(fn_); }
  tf::Tensor operator()(const tf::Tensor& y_true, const tf::Tensor& y_pred) const;
  const std::string& name() const { return name_; }
  // The built-in function this is (null for user functions); lets compile
  // resolve "accuracy" by the loss (binary / sparse categorical).
  LossFunctionPtr builtin() const { return builtin_; }

 private:
  LossFunction fn_;
  std::string name_;
  LossFunctionPtr builtin_ = nullptr;
};

// keras.losses.get(name): the built-in's function; ValueError "Unknown loss function:foo".
LossFunctionPtr get(const std::string& name);
// The Keras name of a built-in ("mean_squared_error"); "" when not built in.
std::string name_of(LossFunctionPtr fn);

}  // namespace keras::losses
