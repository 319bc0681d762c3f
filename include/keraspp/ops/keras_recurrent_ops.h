// Fused Keras recurrent sequence ops (src/ops/keras_recurrent.cc): a whole
// sequence of Keras 2.0.x's LSTM / GRU / SimpleRNN steps in one op, whose
// kernel computes all timesteps' input projections in one product and then
// the recurrence. keras::layers::LSTM, GRU and SimpleRNN are built on them.
#pragma once
#include <string>

#include "keraspp/ops/builder.h"

namespace tf {

struct KerasRecurrentOptions {
  // tanh, sigmoid, hard_sigmoid, relu or linear.
  std::string activation = "tanh";
  std::string recurrent_activation = "hard_sigmoid";  // LSTM and GRU gates
  // Process the sequence from its last step; the outputs stay in processing
  // order (Keras's K.rnn(go_backwards=True)).
  bool go_backwards = false;
  // [B, T] of x's dtype, 1 runs a step and 0 carries the previous output and
  // states; empty: every step runs.
  Tensor mask = {};
  // [B, U]: multiplies the previous output before the recurrent products
  // (Keras's recurrent dropout: one mask per sequence, every step); empty: none.
  Tensor recurrent_dropout_mask = {};
};

// output [B, T, U] (the output of every step), h [B, U] (the last output),
// c [B, U] (LSTM's last cell state; empty for GRU and SimpleRNN).
struct KerasRecurrentOutputs {
  Tensor output, h, c;
};

// x [B, T, I]; h0, c0 [B, U]; kernel [I, 4U] (gates i, f, c, o);
// recurrent_kernel [U, 4U]; bias [4U] or empty (none).
KerasRecurrentOutputs keras_lstm(const Tensor& x, const Tensor& h0, const Tensor& c0, const Tensor& kernel,
                                 const Tensor& recurrent_kernel, const Tensor& bias,
                                 const KerasRecurrentOptions& options = {},
                                 const std::string& name = "KerasLSTM");
// kernel [I, 3U] (gates z, r, h); recurrent_kernel [U, 3U]; bias [3U] or empty.
KerasRecurrentOutputs keras_gru(const Tensor& x, const Tensor& h0, const Tensor& kernel,
                                const Tensor& recurrent_kernel, const Tensor& bias,
                                const KerasRecurrentOptions& options = {},
                                const std::string& name = "KerasGRU");
// kernel [I, U]; recurrent_kernel [U, U]; bias [U] or empty.
KerasRecurrentOutputs keras_simple_rnn(const Tensor& x, const Tensor& h0, const Tensor& kernel,
                                       const Tensor& recurrent_kernel, const Tensor& bias,
                                       const KerasRecurrentOptions& options = {},
                                       const std::string& name = "KerasSimpleRNN");

}  // namespace tf
