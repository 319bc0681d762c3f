// keras.layers.pooling (Keras 2.0.2): MaxPooling1D/2D, AveragePooling1D/2D.
//
//   keras::layers::MaxPooling2D({.pool_size = {2, 2}});
#pragma once
#include <optional>
#include <string>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/topology.h"

namespace keras::layers {

struct Pooling2DOptions {
  backend::IntPair pool_size = 2;
  std::optional<backend::IntPair> strides = std::nullopt;  // nullopt: pool_size
  std::string padding = "valid";
  std::string data_format = "";  // "" = K::image_data_format()
  KERAS_LAYER_COMMON_OPTIONS;
};

// x: [batch, rows, cols, channels] -> [batch, pooled_rows, pooled_cols, channels]
// (channels_first: [batch, channels, rows, cols]).
class MaxPooling2D : public Layer {
 public:
  explicit MaxPooling2D(const Pooling2DOptions& options = {});
};
using MaxPool2D = MaxPooling2D;

// The mean of each window's unpadded elements.
class AveragePooling2D : public Layer {
 public:
  explicit AveragePooling2D(const Pooling2DOptions& options = {});
};
using AvgPool2D = AveragePooling2D;

struct Pooling1DOptions {
  int64_t pool_size = 2;
  std::optional<int64_t> strides = std::nullopt;  // nullopt: pool_size
  std::string padding = "valid";
  KERAS_LAYER_COMMON_OPTIONS;
};

// x: [batch, steps, channels] -> [batch, pooled_steps, channels]; steps and
// channels must be known (the backend adds the unit axis with Reshape).
class MaxPooling1D : public Layer {
 public:
  explicit MaxPooling1D(const Pooling1DOptions& options = {});
};
using MaxPool1D = MaxPooling1D;

class AveragePooling1D : public Layer {
 public:
  explicit AveragePooling1D(const Pooling1DOptions& options = {});
};
using AvgPool1D = AveragePooling1D;

}  // namespace keras::layers
