// keras.layers.core (Keras 2.0.2): Dense, Activation, Dropout, Flatten,
// Reshape, Permute, RepeatVector, Lambda, ActivityRegularization, Masking.
//
// Each layer is a handle (keras::engine::Layer) constructed from its own
// arguments and an options struct whose fields follow Keras's signature,
// ending with the common layer keywords (input_dim, input_shape,
// batch_input_shape, batch_size, dtype, name, trainable, weights):
//
//   keras::layers::Dense(512, {.activation = "relu", .name = "my_dense1"});
//   keras::layers::Dense(512, {.input_dim = 784});
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "keraspp/keras/activations.h"
#include "keraspp/keras/engine/topology.h"

namespace keras::layers {

// ---- Dense: activation(dot(x, kernel) + bias) ---------------------------------

struct DenseOptions {
  activations::Activation activation = {};
  bool use_bias = true;
  initializers::InitializerArg kernel_initializer = "glorot_uniform";
  initializers::InitializerArg bias_initializer = "zeros";
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint kernel_constraint = {};
  constraints::Constraint bias_constraint = {};
  KERAS_LAYER_COMMON_OPTIONS;
};

// x: [batch, ..., input_dim] -> [batch, ..., units]; kernel [input_dim, units],
// bias [units].
class DenseImpl : public UnaryLayerImpl {
 public:
  DenseImpl(int64_t units, const DenseOptions& options);
  void build(const tf::TensorShape& input_shape) override;
  tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) override;
  tf::TensorShape compute_output_shape(const tf::TensorShape& input_shape) override;
  Config get_config() const override;

  int64_t units;
  DenseOptions options;
  tf::Variable kernel, bias;
};

class Dense : public Layer {
 public:
  explicit Dense(int64_t units, const DenseOptions& options = {});
  DenseImpl& impl() const { return static_cast<DenseImpl&>(*impl_); }
  // The weights (empty before the layer is built).
  tf::Variable kernel() const { return impl().kernel; }
  tf::Variable bias() const { return impl().bias; }
};

// ---- Activation ------------------------------------------------------------------

struct ActivationOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};

class ActivationImpl : public UnaryLayerImpl {
 public:
  ActivationImpl(activations::Activation activation, const ActivationOptions& options);
  tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) override;
  Config get_config() const override;
  activations::Activation activation;
};

// Applies an activation function ("relu", "softmax", ... or a function).
class Activation : public Layer {
 public:
  explicit Activation(activations::Activation activation, const ActivationOptions& options = {});
};

// ---- Dropout ---------------------------------------------------------------------

struct DropoutOptions {
  // Shape of the keep/drop mask, broadcast against the input; -1 takes the
  // input's (static) dimension.
  OptionalShape noise_shape = {};
  std::optional<int64_t> seed = std::nullopt;
  KERAS_LAYER_COMMON_OPTIONS;
};

class DropoutImpl : public UnaryLayerImpl {
 public:
  DropoutImpl(double rate, const DropoutOptions& options);
  tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) override;
  Config get_config() const override;
  double rate;
  DropoutOptions options;
};

// Inverted dropout: in the training phase a fraction `rate` of the units is
// zeroed and the rest scaled by 1/(1-rate); identity in the test phase
// (K::learning_phase() not fed or fed 0). ValueError when rate is outside [0, 1).
class Dropout : public Layer {
 public:
  explicit Dropout(double rate, const DropoutOptions& options = {});
};

// ---- shape layers ------------------------------------------------------------------

struct FlattenOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// x: [batch, d1, d2, ...] -> [batch, d1*d2*...]; the dims must be known.
class Flatten : public Layer {
 public:
  explicit Flatten(const FlattenOptions& options = {});
};

struct ReshapeOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// x: [batch, ...] -> [batch, *target_shape]; one target dim may be -1.
// ValueError "total size of new array must be unchanged" / "Can only specify
// one unknown dimension."
class Reshape : public Layer {
 public:
  explicit Reshape(std::vector<int64_t> target_shape, const ReshapeOptions& options = {});
};

struct PermuteOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// Permutes the non-batch axes; dims are 1-based as in Keras: Permute({2, 1})
// swaps the two axes after the batch axis.
class Permute : public Layer {
 public:
  explicit Permute(std::vector<int> dims, const PermuteOptions& options = {});
};

struct RepeatVectorOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// x: [batch, features] -> [batch, n, features].
class RepeatVector : public Layer {
 public:
  explicit RepeatVector(int64_t n, const RepeatVectorOptions& options = {});
};

// ---- Lambda ------------------------------------------------------------------------

struct LambdaOptions {
  // The output shape without the batch dimension, or a function of the
  // input Keras shape; neither: inferred by calling the function on a
  // placeholder of the input shape (as Keras does with TensorFlow).
  OptionalShape output_shape = {};
  std::function<tf::TensorShape(const tf::TensorShape&)> output_shape_fn = nullptr;
  KERAS_LAYER_COMMON_OPTIONS;
};

// Wraps a function of a tensor as a layer.
class Lambda : public Layer {
 public:
  using Function = std::function<tf::Tensor(const tf::Tensor&)>;
  explicit Lambda(Function function, const LambdaOptions& options = {});
};

// ---- ActivityRegularization / Masking ---------------------------------------------

struct ActivityRegularizationOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// Identity that adds l1 * sum(|x|) + l2 * sum(x^2) of its input to the losses.
class ActivityRegularization : public Layer {
 public:
  explicit ActivityRegularization(double l1 = 0.0, double l2 = 0.0,
                                  const ActivityRegularizationOptions& options = {});
};

struct MaskingOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// Zeroes the timesteps whose features all equal mask_value and emits the mask
// (any(x != mask_value, axis=-1)) for the layers after it.
class Masking : public Layer {
 public:
  explicit Masking(double mask_value = 0.0, const MaskingOptions& options = {});
};

}  // namespace keras::layers
