// Shared parts of the fused Keras recurrent kernels (keras_recurrent.cc:
// LSTM and SimpleRNN; keras_recurrent_gru.cc: GRU): activations, the
// products, the sequence's inputs, checked, and per-thread scratch.
//
// Layouts: rows of [B*T, ...] arrays are (b, t) with t the input's time
// index (x, the workspace, the gradient of the gates' pre-activations dZ);
// output [B, T, U] is in processing order (step s reads time t = T-1-s when
// going backwards). The workspace [B, T, W] holds what backprop needs, the
// gates after their activations (and LSTM's carried cell state), so the
// activations' derivatives are taken from their outputs.
#pragma once
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels::rnn {

enum class Act { kTanh, kSigmoid, kHardSigmoid, kRelu, kLinear };

inline Act parse_activation(const std::string& name) {
  if (name == "tanh") return Act::kTanh;
  if (name == "sigmoid") return Act::kSigmoid;
  if (name == "hard_sigmoid") return Act::kHardSigmoid;
  if (name == "relu") return Act::kRelu;
  if (name == "linear") return Act::kLinear;
  throw errors::InvalidArgumentError("Unknown recurrent activation '" + name + "'");
}

// float32 tanh as a rational function (an odd polynomial of degree 13 over
// an even one of degree 6 on x clamped to +-7.9; x itself near 0), the
// approximation TF's CPU Tanh computes (Eigen's), within a few ulp: unlike
// std::tanh its loops vectorise. float64 (the gradient checks) keeps std::tanh.
inline float rational_tanh(float x) {
  const float c = std::min(7.90531110763549805f, std::max(-7.90531110763549805f, x));
  const float x2 = c * c;
  float p = x2 * -2.76076847742355e-16f + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * c;
  float q = x2 * 1.19825839466702e-06f + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  return std::abs(x) < 0.0004f ? x : p / q;
}
template <class T> inline T tanh_of(T x) {
  if constexpr (std::is_same_v<T, float>) return rational_tanh(x);
  else return std::tanh(x);
}

// Keras's TF backend: tf.tanh, tf.nn.sigmoid, clip(0.2 x + 0.5, 0, 1),
// tf.nn.relu, identity. float32's sigmoid is 0.5 + 0.5 tanh(x / 2) on the
// rational tanh (vectorisable), float64's 1 / (1 + exp(-x)).
template <class T> inline T activate(Act a, T x) {
  switch (a) {
    case Act::kTanh: return tanh_of(x);
    case Act::kSigmoid:
      if constexpr (std::is_same_v<T, float>) return 0.5f + 0.5f * rational_tanh(0.5f * x);
      else return T(1) / (T(1) + std::exp(-x));
    case Act::kHardSigmoid: {
      const T y = T(0.2) * x + T(0.5);
      return y < T(0) ? T(0) : y > T(1) ? T(1) : y;
    }
    case Act::kRelu: return x > T(0) ? x : T(0);
    case Act::kLinear: return x;
  }
  return x;
}

// The derivative at the input whose activation is y.
template <class T> inline T derivative(Act a, T y) {
  switch (a) {
    case Act::kTanh: return T(1) - y * y;
    case Act::kSigmoid: return y * (T(1) - y);
    case Act::kHardSigmoid: return y > T(0) && y < T(1) ? T(0.2) : T(0);
    case Act::kRelu: return y > T(0) ? T(1) : T(0);
    case Act::kLinear: return T(1);
  }
  return T(1);
}

// p[0, n) = activation(p[0, n)); the switch outside the loop, so each
// activation's loop vectorises.
template <class T> inline void activate_range(Act a, T* p, int64_t n) {
  switch (a) {
#define KPP_RNN_ACTIVATE_CASE(kind)                               \
  case kind:                                                      \
    _Pragma("omp simd") for (int64_t i = 0; i < n; ++i) p[i] = activate(kind, p[i]); \
    return;
    KPP_RNN_ACTIVATE_CASE(Act::kTanh)
    KPP_RNN_ACTIVATE_CASE(Act::kSigmoid)
    KPP_RNN_ACTIVATE_CASE(Act::kHardSigmoid)
    KPP_RNN_ACTIVATE_CASE(Act::kRelu)
    KPP_RNN_ACTIVATE_CASE(Act::kLinear)
#undef KPP_RNN_ACTIVATE_CASE
  }
}

// d[0, n) = the derivatives at the inputs whose activations are y[0, n);
// the switch outside the loop, as in activate_range.
template <class T> inline void derivative_range(Act a, const T* y, T* d, int64_t n) {
  switch (a) {
#define KPP_RNN_DERIVATIVE_CASE(kind)                                                 \
  case kind:                                                                          \
    _Pragma("omp simd") for (int64_t i = 0; i < n; ++i) d[i] = derivative(kind, y[i]); \
    return;
    KPP_RNN_DERIVATIVE_CASE(Act::kTanh)
    KPP_RNN_DERIVATIVE_CASE(Act::kSigmoid)
    KPP_RNN_DERIVATIVE_CASE(Act::kHardSigmoid)
    KPP_RNN_DERIVATIVE_CASE(Act::kRelu)
    KPP_RNN_DERIVATIVE_CASE(Act::kLinear)
#undef KPP_RNN_DERIVATIVE_CASE
  }
}

// Row-major c[m, n] = op(a) . op(b) + beta * c (op = transpose when ta / tb).
template <class T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
          int64_t ldb, T beta, T* c, int64_t ldc);

// The recurrent product of every step with one matrix w: c [m, n] =
// a [m, k] . op(w) (op = transpose when tw; a and c dense, w's rows ldw
// apart). float32 packs w once, when this is built, into the blocked layout
// of a oneDNN brgemm matmul primitive (kept in scratch slot `slot`), so the
// steps do not re-pack it as sgemm does on every call (measured, one thread,
// the benchmark's 100 steps of [64, 512] . [512, 2048]: 152 -> 130 ms; of
// [64, 2048] . [2048, 512]^T: 194 -> 126 ms). Where oneDNN has no brgemm
// kernel (no AVX-512), and for float64, each step calls gemm().
template <class T> class StepProduct {
 public:
  StepProduct(int64_t m, int64_t n, int64_t k, const T* w, int64_t ldw, bool tw, int slot);
  void operator()(const T* a, T* c) const;

 private:
  int64_t m_, n_, k_, ldw_;
  const T* w_;
  bool tw_;
  const void* primitive_ = nullptr;  // the cached primitive (float32 with brgemm only)
  T* packed_ = nullptr;              // w in its weights layout
};

// Per-thread buffers (kernels run on the calling thread; their OpenMP
// loops only read and write what they are handed) that grow to the largest size asked and are kept, so
// steady-state steps allocate nothing. slot: one of kScratchSlots.
inline constexpr int kScratchSlots = 7;
template <class T> T* scratch(int slot, int64_t n) {
  thread_local std::array<std::vector<T>, kScratchSlots> buffers;
  std::vector<T>& v = buffers[static_cast<size_t>(slot)];
  if (v.size() < static_cast<size_t>(n)) v.resize(static_cast<size_t>(n));
  return v.data();
}

// One op's inputs. x [B, T, I], kernel [I, G*U], recurrent_kernel [U, G*U];
// optional ones are null when given as [0].
template <class T> struct Sequence {
  int64_t B = 0, T_ = 0, I = 0, U = 0, G = 0;
  bool backwards = false;
  const T *x = nullptr, *h0 = nullptr, *c0 = nullptr, *kernel = nullptr, *recurrent_kernel = nullptr;
  const T *bias = nullptr, *mask = nullptr, *recurrent_dropout = nullptr;
  Act activation = Act::kTanh, recurrent_activation = Act::kHardSigmoid;

  int64_t time(int64_t step) const { return backwards ? T_ - 1 - step : step; }
  int64_t row(int64_t b, int64_t t) const { return b * T_ + t; }
  bool keeps(int64_t b, int64_t t) const { return !mask || mask[row(b, t)] != T(0); }
  int64_t gate_cols() const { return G * U; }
};

// Input indices of the forward op (shared by the gradient op, whose
// forward inputs come first in the same order).
struct InputIndex {
  int x, h0, c0, kernel, recurrent_kernel, bias, mask, recurrent_dropout;  // c0 -1 when none
};

// Reads and checks the inputs; InvalidArgumentError naming the op.
template <class T> Sequence<T> read_sequence(const KernelContext& ctx, const InputIndex& in, int gates);

// buffer [B, U] = the previous outputs of every row at step s, each
// multiplied by the recurrent dropout mask: h0 at step 0, else output's
// step s - 1 (dense, as StepProduct reads them).
template <class T> void previous_outputs(const Sequence<T>& q, const T* output, int64_t s, T* buffer) {
  const T* p = s == 0 ? q.h0 : output + (s - 1) * q.U;
  const int64_t ld = s == 0 ? q.U : q.T_ * q.U;
  for (int64_t b = 0; b < q.B; ++b) {
    const T* src = p + b * ld;
    T* dst = buffer + b * q.U;
    if (!q.recurrent_dropout) {
      std::copy(src, src + q.U, dst);
      continue;
    }
    const T* m = q.recurrent_dropout + b * q.U;
#pragma omp simd
    for (int64_t u = 0; u < q.U; ++u) dst[u] = src[u] * m[u];
  }
}
// The same without the dropout mask (the h the step's carry and LSTM read).
template <class T> const T* previous_output(const Sequence<T>& q, const T* output, int64_t b, int64_t s) {
  return s == 0 ? q.h0 + b * q.U : output + (q.row(b, s - 1)) * q.U;
}

// workspace[:, :, 0:G*U] = x . kernel (+ bias when add_bias; a kernel
// whose steps add it saves a pass over the workspace): one product for all
// steps; the workspace's rows are W wide.
template <class T> void project_inputs(const Sequence<T>& q, T* workspace, int64_t W, bool add_bias = true);

// dh [B, U] += (dz_t . recurrent_kernel[:, cols]^T) * recurrent dropout,
// dz_t [B, ncols] with row stride ldz; tmp [B, U] scratch.
template <class T>
void add_recurrent_grad(const Sequence<T>& q, const T* dz_t, int64_t ldz, int64_t col0, int64_t ncols, T* dh,
                        T* tmp);
// The same with the product `rk_t` (StepProduct of recurrent_kernel^T) of
// dense dz_t [B, G*U].
template <class T>
void add_recurrent_grad(const Sequence<T>& q, const StepProduct<T>& rk_t, const T* dz_t, T* dh, T* tmp);

// The input-side gradients, batched over all steps: dx = dZ . kernel^T,
// dkernel = x^T . dZ, dbias = column sums of dZ [B*T, G*U].
// dx may be null (nothing reads the input gradient): not computed.
template <class T> void input_side_grads(const Sequence<T>& q, const T* dz, T* dx, T* dkernel, T* dbias);

// hprev [B*T, U]: row (b, t) holds the previous output (times the recurrent
// dropout mask) that step's recurrent product read.
template <class T> void gather_previous_outputs(const Sequence<T>& q, const T* output, T* hprev);

// LSTM's BPTT keeps dZ time-major, [T, B, G*U] (row (t, b)), so each step's
// rows are the dense block the packed step product reads, without a copy.
// Its input-side and weight gradients then come from: xh [T*B, I+U], row
// (t, b) = [x, previous output * rdp] of that row's step (time-major too),
// and one product xh^T . dZ for [dkernel; drecurrent_kernel] (dZ packed
// once, not twice), dx [B, T, I] = dZ . kernel^T and dbias = column sums of
// dZ (dx null: not computed). Scratch slots 2 (xh), 3 and 4.
template <class T> void gather_step_inputs(const Sequence<T>& q, const T* output, T* xh);
template <class T>
void time_major_grads(const Sequence<T>& q, const T* dz, const T* xh, T* dx, T* dkernel, T* drk, T* dbias);

// The gradient op's incoming gradients: grad (of output [B, T, U], or of a
// last state [B, U]) or null when given as [0]; InvalidArgumentError when
// the shape is neither.
template <class T> const T* optional_grad(const KernelContext& ctx, int index, const np::Shape& shape);
// Output i's buffer, or nullptr when nothing in the plan reads it (the input
// gradient of a first layer: dx = dz . kernel^T is ~10% of an LSTM train step).
template <class T> T* output_if_read(KernelContext& ctx, int i, const np::Shape& shape, DType dtype) {
  const auto at = static_cast<size_t>(i);
  if (at < ctx.output_wanted.size() && !ctx.output_wanted[at]) return nullptr;
  return ctx.allocate_output(i, shape, dtype).template data<T>();
}

}  // namespace tf::kernels::rnn
