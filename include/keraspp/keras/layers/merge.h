// keras.layers merge layers (Keras 2.0.x): Add, Subtract, Multiply, Average,
// Maximum, Concatenate, Dot, and their functional forms add(...), ...
#pragma once
#include <utility>

#include "keraspp/keras/engine/topology.h"

namespace keras::layers {

struct MergeOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};

// Elementwise merges of a list of >= 2 tensors of one shape (a dim of 1
// broadcasts). ValueError "A merge layer should be called on a list of inputs."
// otherwise. The output mask is the AND of the input masks (none if none).
class Add : public Layer {
 public:
  explicit Add(const MergeOptions& options = {});
};
// Exactly two inputs: inputs[0] - inputs[1].
class Subtract : public Layer {
 public:
  explicit Subtract(const MergeOptions& options = {});
};
class Multiply : public Layer {
 public:
  explicit Multiply(const MergeOptions& options = {});
};
class Average : public Layer {
 public:
  explicit Average(const MergeOptions& options = {});
};
class Maximum : public Layer {
 public:
  explicit Maximum(const MergeOptions& options = {});
};

struct ConcatenateOptions {
  int axis = -1;
  KERAS_LAYER_COMMON_OPTIONS;
};
// Joins along `axis`; the other dims must match (Keras's ValueError
// "`Concatenate` layer requires inputs with matching shapes except for the
// concat axis. Got inputs shapes: ...").
class Concatenate : public Layer {
 public:
  explicit Concatenate(const ConcatenateOptions& options = {});
};

struct DotOptions {
  bool normalize = false;  // l2-normalise along the axes first (cosine proximity)
  KERAS_LAYER_COMMON_OPTIONS;
};
// Batchwise dot of two tensors of rank 2 or 3 contracting axes.first of the
// first with axes.second of the second (K::batch_dot); 2-d -> [batch, 1].
class Dot : public Layer {
 public:
  explicit Dot(int axes, const DotOptions& options = {});
  Dot(std::pair<int, int> axes, const DotOptions& options = {});
};

// The functional forms: the layer built and called on `inputs`.
tf::Tensor add(const std::vector<tf::Tensor>& inputs, const MergeOptions& options = {});
tf::Tensor subtract(const std::vector<tf::Tensor>& inputs, const MergeOptions& options = {});
tf::Tensor multiply(const std::vector<tf::Tensor>& inputs, const MergeOptions& options = {});
tf::Tensor average(const std::vector<tf::Tensor>& inputs, const MergeOptions& options = {});
tf::Tensor maximum(const std::vector<tf::Tensor>& inputs, const MergeOptions& options = {});
tf::Tensor concatenate(const std::vector<tf::Tensor>& inputs, const ConcatenateOptions& options = {});
tf::Tensor dot(const std::vector<tf::Tensor>& inputs, std::pair<int, int> axes, const DotOptions& options = {});

}  // namespace keras::layers
