// keras.layers.convolutional (Keras 2.0.2): Conv1D, Conv2D.
//
//   keras::layers::Conv2D(32, {3, 3}, {.activation = "relu", .input_shape = {{28, 28, 1}}});
//
// data_format "" takes K::image_data_format() ("channels_last" unless set):
// inputs [batch, rows, cols, channels] (channels_last) or [batch, channels,
// rows, cols] (channels_first).
#pragma once
#include <cstdint>
#include <string>

#include "keraspp/keras/activations.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/constraints.h"
#include "keraspp/keras/engine/topology.h"
#include "keraspp/keras/initializers.h"
#include "keraspp/keras/regularizers.h"

namespace keras::layers {

using IntPair = keras::backend::IntPair;

struct Conv2DOptions {
  IntPair strides = 1;
  std::string padding = "valid";  // "valid" or "same"
  std::string data_format = "";   // "channels_last", "channels_first"; "" = K::image_data_format()
  IntPair dilation_rate = 1;
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

// x: [batch, rows, cols, in] -> [batch, new_rows, new_cols, filters];
// kernel [kh, kw, in, filters], bias [filters]. ValueError (Keras's text) for
// a bad padding or data_format at construction, an unknown channel dim at
// build; TF's ValueError (naming the op, conv2d_N/convolution) for a kernel
// larger than the (valid-padded) input or non-positive strides.
class Conv2DImpl : public UnaryLayerImpl {
 public:
  Conv2DImpl(int64_t filters, IntPair kernel_size, const Conv2DOptions& options);
  void build(const tf::TensorShape& input_shape) override;
  tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) override;
  tf::TensorShape compute_output_shape(const tf::TensorShape& input_shape) override;
  Config get_config() const override;

  int64_t filters;
  IntPair kernel_size;
  Conv2DOptions options;
  std::string data_format;  // resolved: "channels_last" / "channels_first"
  tf::Variable kernel, bias;
};

class Conv2D : public Layer {
 public:
  Conv2D(int64_t filters, IntPair kernel_size, const Conv2DOptions& options = {});
  Conv2DImpl& impl() const { return static_cast<Conv2DImpl&>(*impl_); }
  tf::Variable kernel() const { return impl().kernel; }
  tf::Variable bias() const { return impl().bias; }
};
using Convolution2D = Conv2D;

// Conv1D takes Conv2D's options but data_format (always channels_last);
// strides and dilation_rate use their `rows` (an int).
struct Conv1DOptions {
  int64_t strides = 1;
  std::string padding = "valid";
  int64_t dilation_rate = 1;
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

// x: [batch, steps, in] -> [batch, new_steps, filters]; kernel
// [kernel_size, in, filters], bias [filters]. steps must be known (the
// backend adds the unit axis with Reshape).
class Conv1DImpl : public UnaryLayerImpl {
 public:
  Conv1DImpl(int64_t filters, int64_t kernel_size, const Conv1DOptions& options);
  void build(const tf::TensorShape& input_shape) override;
  tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) override;
  tf::TensorShape compute_output_shape(const tf::TensorShape& input_shape) override;
  Config get_config() const override;

  int64_t filters, kernel_size;
  Conv1DOptions options;
  tf::Variable kernel, bias;
};

class Conv1D : public Layer {
 public:
  Conv1D(int64_t filters, int64_t kernel_size, const Conv1DOptions& options = {});
  Conv1DImpl& impl() const { return static_cast<Conv1DImpl&>(*impl_); }
  tf::Variable kernel() const { return impl().kernel; }
  tf::Variable bias() const { return impl().bias; }
};
using Convolution1D = Conv1D;

}  // namespace keras::layers
