// keras.layers.recurrent (Keras 2.0.x): SimpleRNN, LSTM, GRU.
//
//   keras::layers::LSTM(128, {.return_sequences = true, .input_shape = {7, 12}});
//
// Each runs as one fused whole-sequence op (tf::keras_lstm, ...: all
// timesteps' input projections in one product, then the recurrence), with
// Keras 2.0.x's step equations, weights and defaults. Input [batch, time,
// input_dim] (Keras's "expected ndim=3" error otherwise); masks from
// Embedding(mask_zero) / Masking carry the previous output and states
// through masked steps, as K.rnn does. Called on a list [x, h0 (, c0)],
// the states start from the given tensors (Keras's initial_state):
//
//   auto enc = keras::layers::LSTM(64, {.return_state = true})(std::vector<tf::Tensor>{x});
//   auto y = keras::layers::LSTM(64)(std::vector<tf::Tensor>{x2, enc[1], enc[2]});
//
// Where Keras++ differs: `implementation` (0, 1, 2) is kept in the config,
// and every value computes implementation 2's way (one product per step for
// all gates, one dropout mask shared by the gates), so the three give the
// same results; `unroll` likewise changes nothing (the fused op never
// builds a loop). `activation` / `recurrent_activation` must be one of
// tanh, sigmoid, hard_sigmoid, relu, linear (the fused kernel's set;
// ValueError otherwise).
#pragma once
#include <cstdint>
#include <vector>

#include "keraspp/keras/activations.h"
#include "keraspp/keras/engine/topology.h"

namespace keras::layers {

// The arguments of SimpleRNN, LSTM and GRU in Keras's order.
// recurrent_activation (default hard_sigmoid) is LSTM's and GRU's only,
// unit_forget_bias LSTM's only; the other layers ignore them.
struct RecurrentOptions {
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
  double dropout = 0.0;            // of the inputs, one mask per sequence
  double recurrent_dropout = 0.0;  // of the previous output, likewise
  // Recurrent's arguments.
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool stateful = false;
  bool unroll = false;
  int implementation = 0;
  KERAS_LAYER_COMMON_OPTIONS;
};
using SimpleRNNOptions = RecurrentOptions;
using LSTMOptions = RecurrentOptions;
using GRUOptions = RecurrentOptions;

// The shared layer of the three (Keras's Recurrent). Weights: kernel
// [input_dim, G*units], recurrent_kernel [units, G*units], bias [G*units]
// (G: SimpleRNN 1, LSTM 4 with gates i, f, c, o, GRU 3 with z, r, h).
class RecurrentImpl : public LayerImpl {
 public:
  RecurrentImpl(const std::string& class_name, int64_t units, const RecurrentOptions& options);
  void build(const std::vector<tf::TensorShape>& input_shapes) override;
  std::vector<tf::Tensor> call(const std::vector<tf::Tensor>& inputs, const CallArgs& args) override;
  std::vector<tf::TensorShape> compute_output_shape(const std::vector<tf::TensorShape>& input_shapes) override;
  std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>& inputs,
                                       const std::vector<tf::Tensor>& masks) override;
  Config get_config() const override;
  // Stateful layers: zeroes the states. ValueError "Layer must be stateful."
  // (Keras's AttributeError) or Keras's error when the batch size is unknown.
  void reset_states() override;
  bool is_stateful() const override { return options.stateful; }

  int gates() const;
  int num_states() const { return class_name == "LSTM" ? 2 : 1; }

  int64_t units;
  RecurrentOptions options;
  tf::Variable kernel, recurrent_kernel, bias;
  // Stateful layers' states [batch, units] (h, and LSTM's c), carried from
  // one batch to the next: each call assigns them its last states.
  std::vector<tf::Variable> states;
  int64_t batch_size = -1;  // the stateful layer's fixed batch size
};

class Recurrent : public Layer {
 public:
  using Layer::Layer;
  RecurrentImpl& impl() const { return static_cast<RecurrentImpl&>(*impl_); }
  void reset_states() const { impl().reset_states(); }
  std::vector<tf::Variable> states() const { return impl().states; }
};

// h_t = activation(x_t . kernel + bias + h_{t-1} . recurrent_kernel).
class SimpleRNN : public Recurrent {
 public:
  explicit SimpleRNN(int64_t units, const SimpleRNNOptions& options = {});
};

// Keras 2.0's LSTM (Hochreiter 1997); unit_forget_bias starts the forget
// gate's bias at 1.
class LSTM : public Recurrent {
 public:
  explicit LSTM(int64_t units, const LSTMOptions& options = {});
};

// Keras 2.0's GRU (Cho et al. 2014): the reset gate multiplies h before the
// h gate's recurrent product.
class GRU : public Recurrent {
 public:
  explicit GRU(int64_t units, const GRUOptions& options = {});
};

}  // namespace keras::layers
