// keras.layers.convolutional_recurrent (Keras 2.0.x): ConvLSTM2D, an LSTM
// whose input and recurrent transformations are 2-D convolutions.
//
//   keras::layers::ConvLSTM2D(8, {3, 3}, {.padding = "same", .return_sequences = true,
//                                         .input_shape = {10, 16, 16, 1}});
//
// Input [batch, time, rows, cols, channels] (channels_last) or [batch,
// time, channels, rows, cols] (channels_first); output [batch, (time,)
// new_rows, new_cols, filters] (channels_first: filters before rows).
// Weights as Keras 2.0.x lays them out, gates i, f, c, o in blocks of
// `filters`: kernel [kh, kw, channels, 4 * filters], recurrent_kernel
// [kh, kw, filters, 4 * filters], bias [4 * filters] (unit_forget_bias: the
// f block starts at 1). The input convolution takes strides, padding and
// dilation_rate; the recurrent one is "same" with stride 1. Runs on K::rnn
// (a tf::while_loop over time). Dropout and recurrent_dropout draw one
// mask per gate per sequence in the training phase, as Keras does.
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

struct ConvLSTM2DOptions {
  backend::IntPair strides = 1;
  std::string padding = "valid";  // "valid" or "same"
  std::string data_format = "";   // "" = K::image_data_format()
  backend::IntPair dilation_rate = 1;
  activations::Activation activation = "tanh";
  activations::Activation recurrent_activation = "hard_sigmoid";
  bool use_bias = true;
  initializers::InitializerArg kernel_initializer = "glorot_uniform";
  initializers::InitializerArg recurrent_initializer = "orthogonal";
  initializers::InitializerArg bias_initializer = "zeros";
  bool unit_forget_bias = true;
  regularizers::Regularizer kernel_regularizer = {};
  regularizers::Regularizer recurrent_regularizer = {};
  regularizers::Regularizer bias_regularizer = {};
  regularizers::Regularizer activity_regularizer = {};
  constraints::Constraint kernel_constraint = {};
  constraints::Constraint recurrent_constraint = {};
  constraints::Constraint bias_constraint = {};
  bool return_sequences = false;
  bool go_backwards = false;
  bool stateful = false;
  double dropout = 0.0;
  double recurrent_dropout = 0.0;
  KERAS_LAYER_COMMON_OPTIONS;
};

class ConvLSTM2DImpl : public UnaryLayerImpl {
 public:
  ConvLSTM2DImpl(int64_t filters, backend::IntPair kernel_size, const ConvLSTM2DOptions& options);
  void build(const tf::TensorShape& input_shape) override;
  tf::Tensor call(const tf::Tensor& inputs, const CallArgs& args) override;
  tf::TensorShape compute_output_shape(const tf::TensorShape& input_shape) override;
  std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>& inputs,
                                       const std::vector<tf::Tensor>& masks) override;
  Config get_config() const override;
  bool is_stateful() const override { return options.stateful; }
  // Zeroes the states (h, c); ValueError "Layer must be stateful." otherwise.
  void reset_states() override;

  int64_t filters;
  backend::IntPair kernel_size;
  ConvLSTM2DOptions options;
  std::string data_format;  // resolved
  tf::Variable kernel, recurrent_kernel, bias;
  std::vector<tf::Variable> states;  // stateful: h, c [batch, rows', cols', filters]

 private:
  // [batch, rows', cols', filters] of a channels_last 5-D input shape.
  tf::TensorShape state_shape(const tf::TensorShape& x) const;
};

class ConvLSTM2D : public Layer {
 public:
  ConvLSTM2D(int64_t filters, backend::IntPair kernel_size, const ConvLSTM2DOptions& options = {});
  ConvLSTM2DImpl& impl() const { return static_cast<ConvLSTM2DImpl&>(*impl_); }
  void reset_states() const { impl().reset_states(); }
};

}  // namespace keras::layers
