// The inputs of the fused Keras recurrent sequence ops (keras_recurrent.cc),
// shared with their kernels (kernels/cpu/keras_recurrent*.cc).
//
// Shapes (B batch, T time, I input, U units, G gates: LSTM 4, GRU 3,
// SimpleRNN 1): x [B, T, I]; h0, c0 [B, U]; kernel [I, G*U];
// recurrent_kernel [U, G*U]; bias [G*U] or [0] (none); mask [B, T] (1 runs
// the step, 0 carries the previous output and states) or [0] (none);
// recurrent_dropout_mask [B, U] (multiplies the previous output before the
// recurrent products, one mask for every gate and step) or [0] (none).
// The gradient ops take the forward inputs, its output and workspace, and
// the gradients of output [B, T, U], h [B, U] (and c [B, U]), each [0] for
// none (zero).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kKerasLSTM{"x: T",    "h0: T",   "c0: T",
                                    "kernel: T", "recurrent_kernel: T", "bias: T",
                                    "mask: T", "recurrent_dropout_mask: T"};
inline constexpr ArgList kKerasLSTMGrad{
    "x: T",    "h0: T",                     "c0: T",     "kernel: T",      "recurrent_kernel: T",
    "bias: T", "mask: T",                   "recurrent_dropout_mask: T",   "output: T",
    "workspace: T", "grad_output: T",       "grad_h: T", "grad_c: T"};
// GRU and SimpleRNN (no cell state).
inline constexpr ArgList kKerasRecurrent{"x: T",    "h0: T", "kernel: T", "recurrent_kernel: T", "bias: T",
                                   "mask: T", "recurrent_dropout_mask: T"};
inline constexpr ArgList kKerasRecurrentGrad{
    "x: T",    "h0: T",     "kernel: T",    "recurrent_kernel: T", "bias: T",
    "mask: T", "recurrent_dropout_mask: T", "output: T", "workspace: T",
    "grad_output: T", "grad_h: T"};

}  // namespace tf::schema
