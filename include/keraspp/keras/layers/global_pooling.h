// keras.layers.pooling (Keras 2.0.x): GlobalMaxPooling1D/2D and
// GlobalAveragePooling1D/2D, the max or mean over every step / position.
//
//   keras::layers::GlobalAveragePooling2D();
#pragma once
#include <string>

#include "keraspp/keras/engine/topology.h"

namespace keras::layers {

struct GlobalPooling1DOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// [batch, steps, features] -> [batch, features].
class GlobalMaxPooling1D : public Layer {
 public:
  explicit GlobalMaxPooling1D(const GlobalPooling1DOptions& options = {});
};
using GlobalMaxPool1D = GlobalMaxPooling1D;
class GlobalAveragePooling1D : public Layer {
 public:
  explicit GlobalAveragePooling1D(const GlobalPooling1DOptions& options = {});
};
using GlobalAvgPool1D = GlobalAveragePooling1D;

struct GlobalPooling2DOptions {
  std::string data_format = "";  // "" = K::image_data_format()
  KERAS_LAYER_COMMON_OPTIONS;
};
// [batch, rows, cols, channels] (or [batch, channels, rows, cols]) -> [batch, channels].
class GlobalMaxPooling2D : public Layer {
 public:
  explicit GlobalMaxPooling2D(const GlobalPooling2DOptions& options = {});
};
using GlobalMaxPool2D = GlobalMaxPooling2D;
class GlobalAveragePooling2D : public Layer {
 public:
  explicit GlobalAveragePooling2D(const GlobalPooling2DOptions& options = {});
};
using GlobalAvgPool2D = GlobalAveragePooling2D;

}  // namespace keras::layers
