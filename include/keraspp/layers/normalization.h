// tf.layers batch normalization (TF 1.x): batch_normalization /
// BatchNormalization.
//
//   auto h = tf::layers::batch_normalization(x, {.training = is_training});
//   ...
//   // TF's `with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):`
//   tf::control_dependencies deps(
//       tf::get_default_graph().get_collection_operations(tf::GraphKeys::UPDATE_OPS));
//   auto train_op = optimizer.minimize(loss);  // runs the moving-average updates first
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "keraspp/layers/base.h"

namespace tf::layers {

// tf.layers.BatchNormalization's keyword arguments, in its signature's order.
struct BatchNormalizationOptions {
  int axis = -1;  // the feature (channel) axis
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;  // add beta
  bool scale = true;   // multiply by gamma
  Initializer beta_initializer = zeros_initializer();
  Initializer gamma_initializer = ones_initializer();
  Initializer moving_mean_initializer = zeros_initializer();
  Initializer moving_variance_initializer = ones_initializer();
  Regularizer beta_regularizer = nullptr;
  Regularizer gamma_regularizer = nullptr;
  bool trainable = true;
  std::string name = "";  // default "batch_normalization", uniquified
  Reuse reuse = {};
  // One FusedBatchNorm op (true), the moments composite (false), or, unset,
  // fused when possible: a rank-4 input normalized over its axis 3 (NHWC)
  // or 1 (NCHW). The fused form keeps TF's Bessel-corrected batch variance
  // in moving_variance; the composite the biased one (as TF 1.x).
  std::optional<bool> fused = std::nullopt;
};

// inputs [batch, ..., C, ...] (C at `axis`) -> the same shape, normalized
// per feature: by the batch's statistics when training, by the moving ones
// otherwise. Variables `<scope>/beta`, `<scope>/gamma` (trainable, [C]) and
// `<scope>/moving_mean`, `<scope>/moving_variance` (not trainable). When
// training may be true, each call adds two moving-average updates
// (`<scope>/AssignMovingAvg`, `<scope>/AssignMovingAvg_1`: moving -=
// (moving - batch) * (1 - momentum); none while a `training` tensor is false)
// to updates() and to the UPDATE_OPS collection; run them with the train
// step (control_dependencies on the collection).
class BatchNormalization : public Layer {
 public:
  explicit BatchNormalization(const BatchNormalizationOptions& opts = {});
  // training: a bool, or a bool scalar tensor chosen at run time.
  Tensor operator()(const Tensor& inputs, ValueOrTensor<bool> training = false) const;
  Tensor apply(const Tensor& inputs, ValueOrTensor<bool> training = false) const {
    return (*this)(inputs, training);
  }
  // Empty before the first call (beta / gamma when center / scale is false).
  Variable beta() const;
  Variable gamma() const;
  Variable moving_mean() const;
  Variable moving_variance() const;
  // The moving-average update ops this layer's calls created.
  std::vector<Operation> updates() const;
};

// tf.layers.batch_normalization's keyword arguments, in its signature's
// order: the layer's, with `training` before trainable.
struct BatchNormalizationCallOptions {
  int axis = -1;
  double momentum = 0.99;
  double epsilon = 1e-3;
  bool center = true;
  bool scale = true;
  Initializer beta_initializer = zeros_initializer();
  Initializer gamma_initializer = ones_initializer();
  Initializer moving_mean_initializer = zeros_initializer();
  Initializer moving_variance_initializer = ones_initializer();
  Regularizer beta_regularizer = nullptr;
  Regularizer gamma_regularizer = nullptr;
  ValueOrTensor<bool> training = false;
  bool trainable = true;
  std::string name = "";  // also the variable scope, as is (TF's `_scope=name`)
  Reuse reuse = {};
  std::optional<bool> fused = std::nullopt;
};
Tensor batch_normalization(const Tensor& inputs, const BatchNormalizationCallOptions& opts = {});

}  // namespace tf::layers
