// tf.layers core layers: dense, dropout, flatten (functions and layer objects).
//
//   tf::variable_scope scope("mlp1", {.reuse = reuse});
//   auto h = tf::layers::dense(x, 512, {.activation = tf::nn::relu, .name = "dense1"});
//   h = tf::layers::dropout(h, {.rate = drop_rate, .training = is_training});
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "keraspp/layers/base.h"
#include "keraspp/ops/random_ops.h"

namespace tf::layers {

// tf.layers.dense's keyword arguments, in its signature's order.
struct DenseOptions {
  Activation activation = nullptr;  // none: linear
  bool use_bias = true;
  Initializer kernel_initializer = {};  // none: get_variable's default, glorot_uniform
  Initializer bias_initializer = zeros_initializer();
  Regularizer kernel_regularizer = nullptr;
  Regularizer bias_regularizer = nullptr;
  Regularizer activity_regularizer = nullptr;
  bool trainable = true;
  std::string name = "";  // default "dense", uniquified
  Reuse reuse = {};
};

// inputs: [batch, ..., in] -> activation(inputs . kernel + bias): [batch, ..., units].
// Variables `<scope>/kernel` [in, units] and `<scope>/bias` [units]; ops
// "<scope>/MatMul", "<scope>/BiasAdd", "<scope>/Relu".
class Dense : public Layer {
 public:
  explicit Dense(int64_t units, const DenseOptions& opts = {});
  // Builds on the first call; later calls share the variables.
  Tensor operator()(const Tensor& inputs) const;
  Tensor apply(const Tensor& inputs) const { return (*this)(inputs); }
  int64_t units() const;
  // Empty before the first call (and bias() when use_bias is false).
  Variable kernel() const;
  Variable bias() const;
};

Tensor dense(const Tensor& inputs, int64_t units, const DenseOptions& opts = {});

// Dropout layer options (the rate is the constructor's first argument).
struct DropoutLayerOptions {
  std::optional<ShapeLike> noise_shape = std::nullopt;
  std::optional<int64_t> seed = std::nullopt;
  std::string name = "";  // default "dropout", uniquified
};

// With training true: tf::nn::dropout(inputs, 1 - rate) (kept units scaled by
// 1/(1 - rate)); false: identity. A `training` tensor (bool scalar) selects
// between the two at run time; `rate` may be a number or a scalar tensor.
class Dropout : public Layer {
 public:
  explicit Dropout(ValueOrTensor<double> rate = 0.5, const DropoutLayerOptions& opts = {});
  Tensor operator()(const Tensor& inputs, ValueOrTensor<bool> training = false) const;
  Tensor apply(const Tensor& inputs, ValueOrTensor<bool> training = false) const {
    return (*this)(inputs, training);
  }
};

// tf.layers.dropout's keyword arguments, in its signature's order.
struct DropoutOptions {
  ValueOrTensor<double> rate = 0.5;
  std::optional<ShapeLike> noise_shape = std::nullopt;
  std::optional<int64_t> seed = std::nullopt;
  ValueOrTensor<bool> training = false;
  std::string name = "";
};
Tensor dropout(const Tensor& inputs, const DropoutOptions& opts = {});

// inputs: [batch, d1, ..., dn] -> [batch, d1 * ... * dn] (op "<scope>/Reshape").
struct FlattenOptions {
  std::string name = "";  // default "flatten", uniquified
};
class Flatten : public Layer {
 public:
  explicit Flatten(const FlattenOptions& opts = {});
  Tensor operator()(const Tensor& inputs) const;
  Tensor apply(const Tensor& inputs) const { return (*this)(inputs); }
};
Tensor flatten(const Tensor& inputs, const FlattenOptions& opts = {});

}  // namespace tf::layers
