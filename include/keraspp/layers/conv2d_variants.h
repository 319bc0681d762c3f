// tf.layers (TF 1.x): conv2d_transpose / Conv2DTranspose and
// separable_conv2d / SeparableConv2D, in function and class forms.
//
//   auto up = tf::layers::conv2d_transpose(h, 16, {3, 3}, {.strides = 2, .padding = "same"});
//   auto s = tf::layers::separable_conv2d(x, 32, {3, 3}, {.depth_multiplier = 2});
//
// Variables: "<scope>/kernel" [kh, kw, filters, in] and "<scope>/bias";
// "<scope>/depthwise_kernel" [kh, kw, in, depth_multiplier],
// "<scope>/pointwise_kernel" [1, 1, in * depth_multiplier, filters] and
// "<scope>/bias". Default scopes "conv2d_transpose" and "separable_conv2d".
#pragma once
#include <cstdint>
#include <string>

#include "keraspp/layers/convolutional.h"

namespace tf::layers {

// tf.layers.conv2d_transpose's keyword arguments after kernel_size.
struct Conv2DTransposeOptions {
  IntPair strides = 1;
  std::string padding = "valid";
  std::string data_format = "channels_last";
  Activation activation = nullptr;
  bool use_bias = true;
  Initializer kernel_initializer = {};
  Initializer bias_initializer = zeros_initializer();
  Regularizer kernel_regularizer = nullptr;
  Regularizer bias_regularizer = nullptr;
  Regularizer activity_regularizer = nullptr;
  bool trainable = true;
  std::string name = "";
  Reuse reuse = {};
};

// inputs [batch, rows, cols, in] -> [batch, rows', cols', filters] with
// rows' = rows * stride (same) or rows * stride + max(k - stride, 0) (valid);
// op "<scope>/conv2d_transpose" (a Conv2DBackpropInput). rows and cols must
// be known.
class Conv2DTranspose : public Layer {
 public:
  Conv2DTranspose(int64_t filters, IntPair kernel_size, const Conv2DTransposeOptions& opts = {});
  Tensor operator()(const Tensor& inputs) const;
  Tensor apply(const Tensor& inputs) const { return (*this)(inputs); }
  Variable kernel() const;
  Variable bias() const;
};

Tensor conv2d_transpose(const Tensor& inputs, int64_t filters, IntPair kernel_size,
                        const Conv2DTransposeOptions& opts = {});

struct SeparableConv2DOptions {
  IntPair strides = 1;
  std::string padding = "valid";
  std::string data_format = "channels_last";
  IntPair dilation_rate = 1;
  int64_t depth_multiplier = 1;
  Activation activation = nullptr;
  bool use_bias = true;
  Initializer depthwise_initializer = {};
  Initializer pointwise_initializer = {};
  Initializer bias_initializer = zeros_initializer();
  Regularizer depthwise_regularizer = nullptr;
  Regularizer pointwise_regularizer = nullptr;
  Regularizer bias_regularizer = nullptr;
  Regularizer activity_regularizer = nullptr;
  bool trainable = true;
  std::string name = "";
  Reuse reuse = {};
};

// inputs [batch, rows, cols, in] -> a depthwise conv then a 1x1 conv (ops
// "<scope>/separable_conv2d/depthwise", "<scope>/separable_conv2d") + bias.
class SeparableConv2D : public Layer {
 public:
  SeparableConv2D(int64_t filters, IntPair kernel_size, const SeparableConv2DOptions& opts = {});
  Tensor operator()(const Tensor& inputs) const;
  Tensor apply(const Tensor& inputs) const { return (*this)(inputs); }
  Variable depthwise_kernel() const;
  Variable pointwise_kernel() const;
  Variable bias() const;
};

Tensor separable_conv2d(const Tensor& inputs, int64_t filters, IntPair kernel_size,
                        const SeparableConv2DOptions& opts = {});

}  // namespace tf::layers
