// tf.layers convolution and pooling (TF 1.x): conv2d / Conv2D,
// max_pooling2d / MaxPooling2D, average_pooling2d / AveragePooling2D.
//
//   auto h = tf::layers::conv2d(x, 32, {3, 3}, {.padding = "same", .activation = tf::nn::relu});
//   h = tf::layers::max_pooling2d(h, {2, 2}, {2, 2});
//
// data_format "channels_last" (TF's default): [batch, rows, cols, channels];
// "channels_first": [batch, channels, rows, cols].
#pragma once
#include <cstdint>
#include <string>

#include "keraspp/layers/base.h"

namespace tf::layers {

// An int-or-pair argument: 3 or {3, 3} (rows, cols).
struct IntPair {
  int64_t rows, cols;
  IntPair(int64_t v) : rows(v), cols(v) {}  // NOLINT: TF accepts an int for a pair
  IntPair(int64_t r, int64_t c) : rows(r), cols(c) {}
};

// tf.layers.conv2d's keyword arguments after kernel_size, in its order.
struct Conv2DOptions {
  IntPair strides = 1;
  std::string padding = "valid";  // "valid" or "same"
  std::string data_format = "channels_last";
  IntPair dilation_rate = 1;
  Activation activation = nullptr;  // none: linear
  bool use_bias = true;
  Initializer kernel_initializer = {};  // none: get_variable's default, glorot_uniform
  Initializer bias_initializer = zeros_initializer();
  Regularizer kernel_regularizer = nullptr;
  Regularizer bias_regularizer = nullptr;
  Regularizer activity_regularizer = nullptr;
  bool trainable = true;
  std::string name = "";  // default "conv2d", uniquified
  Reuse reuse = {};
};

// inputs [batch, rows, cols, in] -> activation(conv2d(inputs, kernel) + bias):
// [batch, new_rows, new_cols, filters]. Variables `<scope>/kernel` [kh, kw,
// in, filters] and `<scope>/bias` [filters]; ops "<scope>/convolution",
// "<scope>/BiasAdd". ValueError for a bad padding / data_format or an
// unknown channel dimension.
class Conv2D : public Layer {
 public:
  Conv2D(int64_t filters, IntPair kernel_size, const Conv2DOptions& opts = {});
  // Builds on the first call; later calls share the variables.
  Tensor operator()(const Tensor& inputs) const;
  Tensor apply(const Tensor& inputs) const { return (*this)(inputs); }
  // Empty before the first call (and bias() when use_bias is false).
  Variable kernel() const;
  Variable bias() const;
};

Tensor conv2d(const Tensor& inputs, int64_t filters, IntPair kernel_size, const Conv2DOptions& opts = {});

struct Pooling2DOptions {
  std::string padding = "valid";
  std::string data_format = "channels_last";
  std::string name = "";  // default "max_pooling2d" / "average_pooling2d"
};

// inputs [batch, rows, cols, channels] -> the max of each pool_size window
// (op "<scope>/MaxPool").
class MaxPooling2D : public Layer {
 public:
  MaxPooling2D(IntPair pool_size, IntPair strides, const Pooling2DOptions& opts = {});
  Tensor operator()(const Tensor& inputs) const;
  Tensor apply(const Tensor& inputs) const { return (*this)(inputs); }
};
// The mean of each window's unpadded elements (op "<scope>/AvgPool").
class AveragePooling2D : public Layer {
 public:
  AveragePooling2D(IntPair pool_size, IntPair strides, const Pooling2DOptions& opts = {});
  Tensor operator()(const Tensor& inputs) const;
  Tensor apply(const Tensor& inputs) const { return (*this)(inputs); }
};

Tensor max_pooling2d(const Tensor& inputs, IntPair pool_size, IntPair strides, const Pooling2DOptions& opts = {});
Tensor average_pooling2d(const Tensor& inputs, IntPair pool_size, IntPair strides,
                         const Pooling2DOptions& opts = {});

}  // namespace tf::layers
