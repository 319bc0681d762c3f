// keras.layers.convolutional (Keras 2.0.x): Conv2DTranspose and
// SeparableConv2D, the Conv2D variants.
//
//   keras::layers::Conv2DTranspose(16, {3, 3}, {.strides = 2, .padding = "same"});
//   keras::layers::SeparableConv2D(32, {3, 3}, {.depth_multiplier = 2, .activation = "relu"});
//
// data_format "" takes K::image_data_format(). Construction raises Keras's
// ValueErrors for a bad padding or data_format, non-positive filters,
// kernel_size or strides; build raises them for an input that is not rank
// 4, an unknown channel dimension, or a kernel larger than the (valid)
// input.
#pragma once
#include <cstdint>
#include <string>

#include "keraspp/keras/layers/convolutional.h"

namespace keras::layers {

// Conv2D's options without dilation_rate (Keras 2.0's Conv2DTranspose has none).
struct Conv2DTransposeOptions {
  IntPair strides = 1;
  std::string padding = "valid";
  std::string data_format = "";
  activations::Activation activation = {};
  bool use_bias = true;
  initializers::InitializerArg kernel_initializer = "glorot_uniform";
  initializers::InitializerArg bias_initializer = "zeros";
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint kernel_constraint = {};
  constraints::Constraint bias_constraint = {};
  KERAS_LAYER_COMMON_OPTIONS;
};

// x: [batch, rows, cols, in] -> [batch, rows', cols', filters] with
// rows' = rows * stride (same) or rows * stride + max(k - stride, 0)
// (valid); kernel [kh, kw, filters, in] (Keras's layout), bias [filters].
class Conv2DTransposeImpl : public UnaryLayerImpl {
 public:
  Conv2DTransposeImpl(int64_t filters, IntPair kernel_size, const Conv2DTransposeOptions& options);
  void build(const tf::TensorShape& input_shape) override;
  tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) override;
  tf::TensorShape compute_output_shape(const tf::TensorShape& input_shape) override;
  Config get_config() const override;

  int64_t filters;
  IntPair kernel_size;
  Conv2DTransposeOptions options;
  std::string data_format;
  tf::Variable kernel, bias;
};

class Conv2DTranspose : public Layer {
 public:
  Conv2DTranspose(int64_t filters, IntPair kernel_size, const Conv2DTransposeOptions& options = {});
  Conv2DTransposeImpl& impl() const { return static_cast<Conv2DTransposeImpl&>(*impl_); }
  tf::Variable kernel() const { return impl().kernel; }
  tf::Variable bias() const { return impl().bias; }
};
using Convolution2DTranspose = Conv2DTranspose;

struct SeparableConv2DOptions {
  IntPair strides = 1;
  std::string padding = "valid";
  std::string data_format = "";
  int64_t depth_multiplier = 1;
  activations::Activation activation = {};
  bool use_bias = true;
  initializers::InitializerArg depthwise_initializer = "glorot_uniform";
  initializers::InitializerArg pointwise_initializer = "glorot_uniform";
  initializers::InitializerArg bias_initializer = "zeros";
  regularizers::Regularizer depthwise_regularizer = {};
  regularizers::Regularizer pointwise_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint depthwise_constraint = {};
  constraints::Constraint pointwise_constraint = {};
  constraints::Constraint bias_constraint = {};
  KERAS_LAYER_COMMON_OPTIONS;
};

// x: [batch, rows, cols, in] -> [batch, rows', cols', filters]: a depthwise
// conv (depthwise_kernel [kh, kw, in, depth_multiplier]) then a 1x1 conv
// (pointwise_kernel [1, 1, in * depth_multiplier, filters]), bias [filters].
class SeparableConv2DImpl : public UnaryLayerImpl {
 public:
  SeparableConv2DImpl(int64_t filters, IntPair kernel_size, const SeparableConv2DOptions& options);
  void build(const tf::TensorShape& input_shape) override;
  tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) override;
  tf::TensorShape compute_output_shape(const tf::TensorShape& input_shape) override;
  Config get_config() const override;

  int64_t filters;
  IntPair kernel_size;
  SeparableConv2DOptions options;
  std::string data_format;
  tf::Variable depthwise_kernel, pointwise_kernel, bias;
};

class SeparableConv2D : public Layer {
 public:
  SeparableConv2D(int64_t filters, IntPair kernel_size, const SeparableConv2DOptions& options = {});
  SeparableConv2DImpl& impl() const { return static_cast<SeparableConv2DImpl&>(*impl_); }
  tf::Variable depthwise_kernel() const { return impl().depthwise_kernel; }
  tf::Variable pointwise_kernel() const { return impl().pointwise_kernel; }
  tf::Variable bias() const { return impl().bias; }
};

}  // namespace keras::layers
