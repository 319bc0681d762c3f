// keras.layers.advanced_activations (Keras 2.0.2): LeakyReLU, PReLU, ELU,
// ThresholdedReLU.
#pragma once
#include <vector>

#include "keraspp/keras/engine/topology.h"

namespace keras::layers {

struct LeakyReLUOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// x if x > 0 else alpha * x. Auto-named "leaky_re_lu_N" as Keras names it.
class LeakyReLU : public Layer {
 public:
  explicit LeakyReLU(double alpha = 0.3, const LeakyReLUOptions& options = {});
};

struct PReLUOptions {
  initializers::InitializerArg alpha_initializer = "zeros";
  regularizers::Regularizer alpha_regularizer = {};
  constraints::Constraint alpha_constraint = {};
  // 1-based axes along which alpha is shared (e.g. the spatial axes).
  std::vector<int> shared_axes = {};
  KERAS_LAYER_COMMON_OPTIONS;
};
// x if x > 0 else alpha * x with a learned alpha of the input's shape
// (without the batch axis; size 1 along shared_axes).
class PReLU : public Layer {
 public:
  explicit PReLU(const PReLUOptions& options = {});
};

struct ELUOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// x if x > 0 else alpha * (exp(x) - 1).
class ELU : public Layer {
 public:
  explicit ELU(double alpha = 1.0, const ELUOptions& options = {});
};

struct ThresholdedReLUOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// x if x > theta else 0.
class ThresholdedReLU : public Layer {
 public:
  explicit ThresholdedReLU(double theta = 1.0, const ThresholdedReLUOptions& options = {});
};

}  // namespace keras::layers
