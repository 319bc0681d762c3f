// tf::nn — activations, bias_add, softmax, the fused softmax cross-entropies
// and dropout, with TF 1.x's names, argument order and default op names.
//
// The activations are function objects so they can be passed where TF passes
// a Python function: `tf::layers::dense(x, 512, {.activation = tf::nn::relu})`
// converts to std::function<Tensor(const Tensor&)>; they are still called as
// `tf::nn::relu(x)` or `tf::nn::relu(x, "name")`.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "keraspp/ops/builder.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/random_ops.h"

namespace tf {

// Largest integer not greater than x, elementwise (op "Floor"; no gradient, as TF).
Tensor floor(const Tensor& x, const std::string& name = "");

namespace nn {

namespace detail {
// One-argument activations: features: any shape -> same shape.
struct Activation {
  const char* op;
  Tensor operator()(const Tensor& features, const std::string& name = "") const;
};
struct LeakyReluFn {
  Tensor operator()(const Tensor& features, double alpha = 0.2, const std::string& name = "") const;
};
struct SoftmaxFn {
  const char* op;
  // logits: any rank, normalised along `axis` -> same shape.
  Tensor operator()(const Tensor& logits, int axis = -1, const std::string& name = "") const;
};
struct MathFn {
  Tensor (*fn)(const Tensor&, const std::string&);
  Tensor operator()(const Tensor& x, const std::string& name = "") const { return fn(x, name); }
};
}  // namespace detail

// max(features, 0) (op "Relu").
inline constexpr detail::Activation relu{"Relu"};
// min(max(features, 0), 6) (op "Relu6").
inline constexpr detail::Activation relu6{"Relu6"};
// features if > 0 else exp(features) - 1 (op "Elu").
inline constexpr detail::Activation elu{"Elu"};
// scale * elu with alpha = 1.6732632..., scale = 1.0507009... (op "Selu").
inline constexpr detail::Activation selu{"Selu"};
// log(exp(features) + 1), computed without overflow (op "Softplus").
inline constexpr detail::Activation softplus{"Softplus"};
// features / (abs(features) + 1) (op "Softsign").
inline constexpr detail::Activation softsign{"Softsign"};
// max(alpha * features, features), alpha defaults to 0.2 (op "LeakyRelu").
inline constexpr detail::LeakyReluFn leaky_relu{};
// exp(logits) / reduce_sum(exp(logits), axis), max-subtracted (op "Softmax").
inline constexpr detail::SoftmaxFn softmax{"Softmax"};
// logits - log(reduce_sum(exp(logits), axis)) (op "LogSoftmax").
inline constexpr detail::SoftmaxFn log_softmax{"LogSoftmax"};
// tf.nn.sigmoid / tf.nn.tanh: the math ops, passable as activations.
inline constexpr detail::MathFn sigmoid{&tf::sigmoid};
inline constexpr detail::MathFn tanh{&tf::tanh};

// value: [N, ..., C] (rank >= 2; data_format "NHWC" or "", the default) or
// [N, C, ...] (rank >= 3; "NCHW"), bias: [C] -> value + bias (op "BiasAdd").
// Its gradient w.r.t. bias is op "BiasAddGrad" (sum over all but the channel axis).
Tensor bias_add(const Tensor& value, const Tensor& bias, const std::string& data_format = "",
                const std::string& name = "");

// labels, logits: [..., C] (a distribution per row) -> per-example loss [...]:
// -sum(labels * log_softmax(logits), dim). Op "SoftmaxCrossEntropyWithLogits"
// (outputs loss and backprop = softmax - labels) when dim is the last axis.
Tensor softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits, int dim = -1,
                                         const std::string& name = "");
struct SoftmaxCrossEntropyArgs {
  Tensor labels;
  Tensor logits;
  int dim = -1;
  std::string name = "";
};
// Keyword form: softmax_cross_entropy_with_logits({.labels = y_, .logits = y}).
Tensor softmax_cross_entropy_with_logits(const SoftmaxCrossEntropyArgs& args);

// labels: int32/int64 [...] in [0, C), logits: [..., C] -> loss [...]
// (op "SparseSoftmaxCrossEntropyWithLogits", under a name scope of that name).
// A label outside [0, C) fails at run time with InvalidArgumentError.
Tensor sparse_softmax_cross_entropy_with_logits(const Tensor& labels, const Tensor& logits,
                                                const std::string& name = "");
struct SparseSoftmaxCrossEntropyArgs {
  Tensor labels;
  Tensor logits;
  std::string name = "";
};
Tensor sparse_softmax_cross_entropy_with_logits(const SparseSoftmaxCrossEntropyArgs& args);

// TF 1.x dropout: x / keep_prob * floor(keep_prob + uniform[0, 1)), so kept
// units are scaled by 1/keep_prob. keep_prob: a number in (0, 1] (ValueError
// otherwise; exactly 1 returns x) or a scalar tensor. noise_shape: shape of
// the keep/drop mask, broadcast against x (default: tf::shape(x)).
struct DropoutOptions {
  std::optional<ShapeLike> noise_shape = std::nullopt;
  std::optional<int64_t> seed = std::nullopt;
  std::string name = "";
};
Tensor dropout(const Tensor& x, double keep_prob, const DropoutOptions& opts = {});
Tensor dropout(const Tensor& x, const Tensor& keep_prob, const DropoutOptions& opts = {});

}  // namespace nn
}  // namespace tf
