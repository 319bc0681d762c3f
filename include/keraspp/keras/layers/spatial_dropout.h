// keras.layers.core (Keras 2.0.x): SpatialDropout1D/2D, Dropout that drops
// whole feature maps: the mask is [batch, 1, features] / [batch, 1, 1,
// channels] ([batch, channels, 1, 1] for channels_first), so adjacent,
// correlated positions are dropped together.
//
//   keras::layers::SpatialDropout2D(0.25);
#pragma once
#include <optional>
#include <string>

#include "keraspp/keras/engine/topology.h"

namespace keras::layers {

struct SpatialDropout1DOptions {
  std::optional<int64_t> seed = std::nullopt;
  KERAS_LAYER_COMMON_OPTIONS;
};
// x: [batch, steps, features]; identity in the test phase.
class SpatialDropout1D : public Layer {
 public:
  explicit SpatialDropout1D(double rate, const SpatialDropout1DOptions& options = {});
};

struct SpatialDropout2DOptions {
  std::string data_format = "";  // "" = K::image_data_format()
  std::optional<int64_t> seed = std::nullopt;
  KERAS_LAYER_COMMON_OPTIONS;
};
class SpatialDropout2D : public Layer {
 public:
  explicit SpatialDropout2D(double rate, const SpatialDropout2DOptions& options = {});
};

}  // namespace keras::layers
