// keras.layers.convolutional (Keras 2.0.x): the layers that resize the
// spatial axes without weights: UpSampling1D/2D (repeat each step / row and
// column), ZeroPadding1D/2D (zeros around), Cropping1D/2D (cut from the ends).
//
//   keras::layers::ZeroPadding2D({{1, 1}, {2, 2}});
//   keras::layers::UpSampling2D({.size = {2, 2}});
//   keras::layers::Cropping2D({{2, 2}, {4, 4}});
//
// 1-D layers take [batch, steps, features]; 2-D layers [batch, rows, cols,
// channels] (channels_last) or [batch, channels, rows, cols]; data_format ""
// takes K::image_data_format(). Negative sizes, and crops that leave
// nothing, raise ValueError.
#pragma once
#include <cstdint>
#include <string>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/topology.h"

namespace keras::layers {

// (before, after) along one axis; an int n means (n, n).
struct IntPadding {
  int64_t before, after;
  IntPadding(int64_t v) : before(v), after(v) {}  // NOLINT: Keras accepts an int
  IntPadding(int64_t b, int64_t a) : before(b), after(a) {}
  bool operator==(const IntPadding&) const = default;
};

// Keras's 2-D padding / cropping argument: an int n ((n, n), (n, n)), a
// symmetric pair {rows, cols}, or {{top, bottom}, {left, right}}. As the
// only argument the nested form is spelled IntPadding2D{{1, 0}, {0, 2}} (a
// bare nested brace list would also match the layer's copy constructor).
struct IntPadding2D {
  IntPadding rows, cols;
  IntPadding2D(int64_t v) : rows(v), cols(v) {}  // NOLINT: Keras accepts an int
  IntPadding2D(IntPadding r, IntPadding c) : rows(r), cols(c) {}
};

struct UpSampling1DOptions {
  int64_t size = 2;
  KERAS_LAYER_COMMON_OPTIONS;
};
// [batch, steps, features] -> [batch, steps * size, features].
class UpSampling1D : public Layer {
 public:
  explicit UpSampling1D(const UpSampling1DOptions& options = {});
};

struct UpSampling2DOptions {
  backend::IntPair size = 2;
  std::string data_format = "";
  KERAS_LAYER_COMMON_OPTIONS;
};
// rows * size.rows, cols * size.cols (nearest neighbour).
class UpSampling2D : public Layer {
 public:
  explicit UpSampling2D(const UpSampling2DOptions& options = {});
};

struct ZeroPadding1DOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// [batch, steps, features] -> [batch, before + steps + after, features].
class ZeroPadding1D : public Layer {
 public:
  explicit ZeroPadding1D(IntPadding padding = 1, const ZeroPadding1DOptions& options = {});
};

struct ZeroPadding2DOptions {
  std::string data_format = "";
  KERAS_LAYER_COMMON_OPTIONS;
};
// rows (top, bottom) and cols (left, right) of zeros around the image.
class ZeroPadding2D : public Layer {
 public:
  explicit ZeroPadding2D(IntPadding2D padding = 1, const ZeroPadding2DOptions& options = {});
};

struct Cropping1DOptions {
  KERAS_LAYER_COMMON_OPTIONS;
};
// [batch, steps, features] -> [batch, steps - before - after, features].
class Cropping1D : public Layer {
 public:
  explicit Cropping1D(IntPadding cropping = 1, const Cropping1DOptions& options = {});
};

struct Cropping2DOptions {
  std::string data_format = "";
  KERAS_LAYER_COMMON_OPTIONS;
};
// rows (top, bottom) and cols (left, right) cut from the image's edges.
class Cropping2D : public Layer {
 public:
  explicit Cropping2D(IntPadding2D cropping = 0, const Cropping2DOptions& options = {});
};

}  // namespace keras::layers
