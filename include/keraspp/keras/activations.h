// keras.activations (Keras 2.0.2): elementwise activation functions, by name
// or as functions, and the Activation argument layers take.
//
//   keras::layers::Dense(512, {.activation = "relu"});
//   keras::layers::Dense(512, {.activation = keras::activations::elu});
//   keras::layers::Dense(512, {.activation = [](const tf::Tensor& x) { return x * 2.0; }});
#pragma once
#include <concepts>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "keraspp/graph/graph.h"

namespace keras::activations {

namespace detail {
struct Simple {
  const char* name;
  tf::Tensor (*fn)(const tf::Tensor&);
  tf::Tensor operator()(const tf::Tensor& x) const { return fn(x); }
};
struct Relu {
  const char* name = "relu";
  // max(x, 0), slope alpha below 0, capped at max_value when given.
  tf::Tensor operator()(const tf::Tensor& x, double alpha = 0.0,
                        std::optional<double> max_value = std::nullopt) const;
};
struct Elu {
  const char* name = "elu";
  tf::Tensor operator()(const tf::Tensor& x, double alpha = 1.0) const;
};
tf::Tensor softmax(const tf::Tensor& x);
tf::Tensor selu(const tf::Tensor& x);
tf::Tensor softplus(const tf::Tensor& x);
tf::Tensor softsign(const tf::Tensor& x);
tf::Tensor tanh(const tf::Tensor& x);
tf::Tensor sigmoid(const tf::Tensor& x);
tf::Tensor hard_sigmoid(const tf::Tensor& x);
tf::Tensor linear(const tf::Tensor& x);
}  // namespace detail

// x: [batch, ..., n] -> softmax over the last axis. ValueError "Cannot apply
// softmax to a tensor that is 1D" for rank < 2.
inline constexpr detail::Simple softmax{"softmax", &detail::softmax};
inline constexpr detail::Elu elu{};
// scale * elu(x, alpha), alpha = 1.6732632423543772, scale = 1.0507009873554805.
inline constexpr detail::Simple selu{"selu", &detail::selu};
inline constexpr detail::Simple softplus{"softplus", &detail::softplus};
inline constexpr detail::Simple softsign{"softsign", &detail::softsign};
inline constexpr detail::Relu relu{};
inline constexpr detail::Simple tanh{"tanh", &detail::tanh};
inline constexpr detail::Simple sigmoid{"sigmoid", &detail::sigmoid};
// clip(0.2 * x + 0.5, 0, 1).
inline constexpr detail::Simple hard_sigmoid{"hard_sigmoid", &detail::hard_sigmoid};
// The identity.
inline constexpr detail::Simple linear{"linear", &detail::linear};

// An activation argument: a Keras name ("relu"), a function, or nothing
// (linear). Names resolve when constructed: ValueError "Unknown activation
// function:foo" for an unknown one.
class Activation {
 public:
  using Fn = std::function<tf::Tensor(const tf::Tensor&)>;
  Activation() = default;
  Activation(std::nullptr_t) {}
  Activation(const char* name);
  Activation(const std::string& name);
  // Keras's own functions keep their names (for get_config); other
  // callables are named "lambda".
  template <class F>
    requires(!std::convertible_to<F, std::string> && !std::same_as<std::decay_t<F>, Activation> &&
             std::is_invocable_r_v<tf::Tensor, const F&, const tf::Tensor&>)
  Activation(F f) : fn_([f](const tf::Tensor& x) { return f(x); }) {
    if constexpr (requires { f.name; }) name_ = f.name;
    else name_ = "lambda";
  }

  explicit operator bool() const { return static_cast<bool>(fn_); }
  // Applies the activation; linear (identity) when empty.
  tf::Tensor operator()(const tf::Tensor& x) const { return fn_ ? fn_(x) : x; }
  // "relu", ... ; "linear" when empty (Keras's serialize).
  std::string name() const { return fn_ ? name_ : "linear"; }

 private:
  Fn fn_;
  std::string name_;
};

// keras.activations.get: the function named `name`.
Activation get(const std::string& name);
// keras.activations.serialize: the activation's name.
std::string serialize(const Activation& activation);

}  // namespace keras::activations
