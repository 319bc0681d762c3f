// keras.layers.normalization (Keras 2.0.x): BatchNormalization.
//
//   model.add(keras::layers::Conv2D(32, 3));
//   model.add(keras::layers::BatchNormalization());   // axis -1: channels_last
//
// During fit (learning phase 1) the layer normalizes by the batch's
// statistics and its updates() move moving_mean / moving_variance towards
// them (moving -= (moving - batch) * (1 - momentum)); predict and evaluate
// (phase 0) normalize by the moving statistics. In a TF graph, feed
// K::learning_phase() and run the layer's (or model's) updates() with the
// train step, as with Keras 2.0.
#pragma once
#include <string>
#include <vector>

#include "keraspp/keras/constraints.h"
#include "keraspp/keras/engine/topology.h"
#include "keraspp/keras/initializers.h"
#include "keraspp/keras/regularizers.h"

namespace keras::layers {

struct BatchNormalizationOptions {
  int axis = -1;  // the feature axis (1 for channels_first images)
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;  // beta
  bool scale = true;   // gamma
  initializers::InitializerArg beta_initializer = "zeros";
  initializers::InitializerArg gamma_initializer = "ones";
  initializers::InitializerArg moving_mean_initializer = "zeros";
  initializers::InitializerArg moving_variance_initializer = "ones";
  regularizers::Regularizer beta_regularizer = {};
  regularizers::Regularizer gamma_regularizer = {};
  constraints::Constraint beta_constraint = {};
  constraints::Constraint gamma_constraint = {};
  KERAS_LAYER_COMMON_OPTIONS;
};

// x: any rank >= 2 with a known `axis` dim C -> the same shape. Weights, in
// Keras's order: gamma, beta (trainable, [C]), moving_mean, moving_variance
// (not trainable). ValueError (Keras's text) for an undefined axis dim.
class BatchNormalizationImpl : public UnaryLayerImpl {
 public:
  explicit BatchNormalizationImpl(const BatchNormalizationOptions& options);
  void build(const tf::TensorShape& input_shape) override;
  tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) override;
  Config get_config() const override;
  std::vector<tf::Operation> updates() const override { return updates_; }

  BatchNormalizationOptions options;
  tf::Variable gamma, beta, moving_mean, moving_variance;

 private:
  tf::Tensor normalize_inference(const tf::Tensor& inputs) const;
  std::vector<tf::Operation> updates_;
};

class BatchNormalization : public Layer {
 public:
  explicit BatchNormalization(const BatchNormalizationOptions& options = {});
  BatchNormalizationImpl& impl() const { return static_cast<BatchNormalizationImpl&>(*impl_); }
};

}  // namespace keras::layers
