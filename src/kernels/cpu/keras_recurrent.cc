// CPU kernels of KerasLSTM and KerasSimpleRNN and their gradients
// (src/ops/keras_recurrent.cc); GRU's are in keras_recurrent_gru.cc.
//
// LSTM step (Keras 2.0.x, implementation 2), z = x_t . kernel + bias +
// (h_{t-1} * rdp) . recurrent_kernel, split in gates i, f, c, o:
//   i = ract(z_i), f = ract(z_f), c~ = act(z_c), o = ract(z_o)
//   c_t = f * c_{t-1} + i * c~,  h_t = o * act(c_t)
// SimpleRNN: h_t = act(x_t . kernel + bias + (h_{t-1} * rdp) . recurrent_kernel).
// A masked step (mask 0) outputs h_{t-1} and keeps the states.
#include "../../ops/keras_recurrent_schema.h"
#include "keras_recurrent.h"

namespace tf::kernels {
namespace {

using rnn::Act;
using rnn::Sequence;

constexpr rnn::InputIndex kLSTMInputs{
    schema::kKerasLSTM.index("x"),          schema::kKerasLSTM.index("h0"),
    schema::kKerasLSTM.index("c0"),         schema::kKerasLSTM.index("kernel"),
    schema::kKerasLSTM.index("recurrent_kernel"), schema::kKerasLSTM.index("bias"),
    schema::kKerasLSTM.index("mask"),       schema::kKerasLSTM.index("recurrent_dropout_mask")};
constexpr rnn::InputIndex kRNNInputs{
    schema::kKerasRecurrent.index("x"),      schema::kKerasRecurrent.index("h0"), -1,
    schema::kKerasRecurrent.index("kernel"), schema::kKerasRecurrent.index("recurrent_kernel"),
    schema::kKerasRecurrent.index("bias"),   schema::kKerasRecurrent.index("mask"),
    schema::kKerasRecurrent.index("recurrent_dropout_mask")};
static_assert(schema::kKerasLSTMGrad.index("x") == kLSTMInputs.x &&
              schema::kKerasLSTMGrad.index("recurrent_dropout_mask") == kLSTMInputs.recurrent_dropout);
static_assert(schema::kKerasRecurrentGrad.index("recurrent_dropout_mask") == kRNNInputs.recurrent_dropout);

// The recurrent products of the steps with recurrent_kernel [U, G*U], and
// with its transpose (backprop's); packed in scratch slot 5.
template <class T> rnn::StepProduct<T> recurrent_kernel_product(const Sequence<T>& q) {
  return rnn::StepProduct<T>(q.B, q.gate_cols(), q.U, q.recurrent_kernel, q.gate_cols(), false, 5);
}
template <class T> rnn::StepProduct<T> recurrent_kernel_transposed_product(const Sequence<T>& q) {
  return rnn::StepProduct<T>(q.B, q.U, q.gate_cols(), q.recurrent_kernel, q.gate_cols(), true, 5);
}

// The recurrent product of step s: r [B, G*U] = prev . recurrent_kernel.
template <class T>
void recurrent_product(const Sequence<T>& q, const rnn::StepProduct<T>& rk, const T* output, int64_t s, T* r, T* tmp) {
  rnn::previous_outputs(q, output, s, tmp);
  rk(tmp, r);
}

// ---- LSTM ----------------------------------------------------------------------

// workspace row: i, f, c~, o (activated), then the carried c_t.
template <class T> void keras_lstm(KernelContext& ctx) {
  const Sequence<T> q = rnn::read_sequence<T>(ctx, kLSTMInputs, 4);
  const int64_t B = q.B, U = q.U, W = 5 * U;
  T* out = ctx.allocate_output(0, {B, q.T_, U}, ctx.input(0).dtype()).template data<T>();
  T* h = ctx.allocate_output(1, {B, U}, ctx.input(0).dtype()).template data<T>();
  T* c = ctx.allocate_output(2, {B, U}, ctx.input(0).dtype()).template data<T>();
  T* ws = ctx.allocate_output(3, {B, q.T_, W}, ctx.input(0).dtype()).template data<T>();
  rnn::project_inputs(q, ws, W, false);  // the steps add the bias
  T* r = rnn::scratch<T>(0, B * 4 * U);
  T* tmp = rnn::scratch<T>(1, B * U);
  const rnn::StepProduct<T> rk = recurrent_kernel_product(q);
  for (int64_t s = 0; s < q.T_; ++s) {
    const int64_t t = q.time(s);
    recurrent_product(q, rk, out, s, r, tmp);
#pragma omp parallel for if (B * U * 4 > np::kParallelGrain) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* g = ws + q.row(b, t) * W;  // pre-activations, then i, f, c~, o, c_t
      const T* rr = r + b * 4 * U;
      if (q.bias) {
#pragma omp simd
        for (int64_t j = 0; j < 4 * U; ++j) g[j] += rr[j] + q.bias[j];
      } else {
#pragma omp simd
        for (int64_t j = 0; j < 4 * U; ++j) g[j] += rr[j];
      }
      rnn::activate_range(q.recurrent_activation, g, 2 * U);
      rnn::activate_range(q.activation, g + 2 * U, U);
      rnn::activate_range(q.recurrent_activation, g + 3 * U, U);
      const T* cp = s == 0 ? q.c0 + b * U : ws + q.row(b, q.time(s - 1)) * W + 4 * U;
      const T* hp = rnn::previous_output(q, out, b, s);
      T* o = out + q.row(b, s) * U;
      T* c_t = g + 4 * U;
      if (!q.keeps(b, t)) {
        std::copy(cp, cp + U, c_t);
        std::copy(hp, hp + U, o);
        continue;
      }
#pragma omp simd
      for (int64_t u = 0; u < U; ++u) c_t[u] = g[U + u] * cp[u] + g[u] * g[2 * U + u];
      std::copy(c_t, c_t + U, o);
      rnn::activate_range(q.activation, o, U);
#pragma omp simd
      for (int64_t u = 0; u < U; ++u) o[u] = g[3 * U + u] * o[u];
    }
  }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t u = 0; u < U; ++u) {
      h[b * U + u] = q.T_ ? out[q.row(b, q.T_ - 1) * U + u] : q.h0[b * U + u];
      c[b * U + u] = q.T_ ? ws[q.row(b, q.time(q.T_ - 1)) * W + 4 * U + u] : q.c0[b * U + u];
    }
}

// Backpropagation through time, last step first; dz [T, B, 4U] (time-major,
// keras_recurrent.h says why) collects the gates' pre-activation gradients
// for the batched products at the end.
template <class T> void keras_lstm_grad(KernelContext& ctx) {
  const Sequence<T> q = rnn::read_sequence<T>(ctx, kLSTMInputs, 4);
  const int64_t B = q.B, U = q.U, W = 5 * U, G4 = 4 * U;
  const T* out = ctx.input(schema::kKerasLSTMGrad.index("output")).data<T>();
  const T* ws = ctx.input(schema::kKerasLSTMGrad.index("workspace")).data<T>();
  const T* dy = rnn::optional_grad<T>(ctx, schema::kKerasLSTMGrad.index("grad_output"), {B, q.T_, U});
  const T* gh = rnn::optional_grad<T>(ctx, schema::kKerasLSTMGrad.index("grad_h"), {B, U});
  const T* gc = rnn::optional_grad<T>(ctx, schema::kKerasLSTMGrad.index("grad_c"), {B, U});
  const DType dt = ctx.input(0).dtype();
  T* dx = rnn::output_if_read<T>(ctx, 0, {B, q.T_, q.I}, dt);
  T* dh = ctx.allocate_output(1, {B, U}, dt).template data<T>();  // carried, ends as dh0
  T* dc = ctx.allocate_output(2, {B, U}, dt).template data<T>();  // carried, ends as dc0
  T* dk = ctx.allocate_output(3, ctx.input(kLSTMInputs.kernel).shape(), dt).template data<T>();
  T* drk = ctx.allocate_output(4, ctx.input(kLSTMInputs.recurrent_kernel).shape(), dt).template data<T>();
  T* db = ctx.allocate_output(5, ctx.input(kLSTMInputs.bias).shape(), dt).template data<T>();
  for (int64_t i = 0; i < B * U; ++i) dh[i] = gh ? gh[i] : T(0), dc[i] = gc ? gc[i] : T(0);
  T* dz = rnn::scratch<T>(0, B * q.T_ * G4);
  T* tmp = rnn::scratch<T>(1, B * U);
  T* deriv = rnn::scratch<T>(6, B * 5 * U);
  const rnn::StepProduct<T> rk_t = recurrent_kernel_transposed_product(q);
  for (int64_t s = q.T_ - 1; s >= 0; --s) {
    const int64_t t = q.time(s);
    T* dz_t = dz + t * B * G4;  // [B, 4U]
#pragma omp parallel for if (B * U * 4 > np::kParallelGrain) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* dhb = dh + b * U;
      T* dcb = dc + b * U;
      if (dy)
        for (int64_t u = 0; u < U; ++u) dhb[u] += dy[q.row(b, s) * U + u];
      T* z = dz_t + b * G4;
      if (!q.keeps(b, t)) {  // the step passed h and c through
        std::fill(z, z + G4, T(0));
        continue;
      }
      const T* g = ws + q.row(b, t) * W;
      const T* cp = s == 0 ? q.c0 + b * U : ws + q.row(b, q.time(s - 1)) * W + 4 * U;
      T* a = z + 3 * U;  // act(c_t), read before z_o is written over it
      std::copy(g + 4 * U, g + 5 * U, a);
      rnn::activate_range(q.activation, a, U);
      // The activations' derivatives first, so the loop below vectorises.
      T* d = deriv + b * 5 * U;  // at i, f, c~, o, then at act(c_t)
      rnn::derivative_range(q.recurrent_activation, g, d, 2 * U);
      rnn::derivative_range(q.activation, g + 2 * U, d + 2 * U, U);
      rnn::derivative_range(q.recurrent_activation, g + 3 * U, d + 3 * U, U);
      rnn::derivative_range(q.activation, a, d + 4 * U, U);
#pragma omp simd
      for (int64_t u = 0; u < U; ++u) {
        const T i = g[u], f = g[U + u], cc = g[2 * U + u], og = g[3 * U + u];
        const T au = a[u];
        const T dct = dcb[u] + dhb[u] * og * d[4 * U + u];
        z[u] = dct * cc * d[u];
        z[U + u] = dct * cp[u] * d[U + u];
        z[2 * U + u] = dct * i * d[2 * U + u];
        z[3 * U + u] = dhb[u] * au * d[3 * U + u];
        dcb[u] = dct * f;
        dhb[u] = T(0);
      }
    }
    rnn::add_recurrent_grad(q, rk_t, dz_t, dh, tmp);
  }
  T* xh = rnn::scratch<T>(2, B * q.T_ * (q.I + U));
  rnn::gather_step_inputs(q, out, xh);
  rnn::time_major_grads(q, dz, xh, dx, dk, drk, q.bias ? db : nullptr);
}

// ---- SimpleRNN -----------------------------------------------------------------

// workspace row: the step's new output (before the mask's carry).
template <class T> void keras_simple_rnn(KernelContext& ctx) {
  const Sequence<T> q = rnn::read_sequence<T>(ctx, kRNNInputs, 1);
  const int64_t B = q.B, U = q.U;
  const DType dt = ctx.input(0).dtype();
  T* out = ctx.allocate_output(0, {B, q.T_, U}, dt).template data<T>();
  T* h = ctx.allocate_output(1, {B, U}, dt).template data<T>();
  T* ws = ctx.allocate_output(2, {B, q.T_, U}, dt).template data<T>();
  rnn::project_inputs(q, ws, U);
  T* r = rnn::scratch<T>(0, B * U);
  T* tmp = rnn::scratch<T>(1, B * U);
  const rnn::StepProduct<T> rk = recurrent_kernel_product(q);
  for (int64_t s = 0; s < q.T_; ++s) {
    const int64_t t = q.time(s);
    recurrent_product(q, rk, out, s, r, tmp);
#pragma omp parallel for if (B * U > np::kParallelGrain) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* g = ws + q.row(b, t) * U;
      const T* hp = rnn::previous_output(q, out, b, s);
      T* o = out + q.row(b, s) * U;
      const bool keep = q.keeps(b, t);
#pragma omp simd
      for (int64_t u = 0; u < U; ++u) g[u] += r[b * U + u];
      rnn::activate_range(q.activation, g, U);
      std::copy(keep ? g : hp, (keep ? g : hp) + U, o);
    }
  }
  for (int64_t i = 0; i < B * U; ++i) h[i] = q.T_ ? out[q.row(i / U, q.T_ - 1) * U + i % U] : q.h0[i];
}

template <class T> void keras_simple_rnn_grad(KernelContext& ctx) {
  const Sequence<T> q = rnn::read_sequence<T>(ctx, kRNNInputs, 1);
  const int64_t B = q.B, U = q.U;
  const T* out = ctx.input(schema::kKerasRecurrentGrad.index("output")).data<T>();
  const T* ws = ctx.input(schema::kKerasRecurrentGrad.index("workspace")).data<T>();
  const T* dy = rnn::optional_grad<T>(ctx, schema::kKerasRecurrentGrad.index("grad_output"), {B, q.T_, U});
  const T* gh = rnn::optional_grad<T>(ctx, schema::kKerasRecurrentGrad.index("grad_h"), {B, U});
  const DType dt = ctx.input(0).dtype();
  T* dx = rnn::output_if_read<T>(ctx, 0, {B, q.T_, q.I}, dt);
  T* dh = ctx.allocate_output(1, {B, U}, dt).template data<T>();
  T* dk = ctx.allocate_output(2, ctx.input(kRNNInputs.kernel).shape(), dt).template data<T>();
  T* drk = ctx.allocate_output(3, ctx.input(kRNNInputs.recurrent_kernel).shape(), dt).template data<T>();
  T* db = ctx.allocate_output(4, ctx.input(kRNNInputs.bias).shape(), dt).template data<T>();
  for (int64_t i = 0; i < B * U; ++i) dh[i] = gh ? gh[i] : T(0);
  T* dz = rnn::scratch<T>(0, B * q.T_ * U);
  T* tmp = rnn::scratch<T>(1, B * U);
  T* dz_step = rnn::scratch<T>(3, B * U);  // the step's rows of dz, dense for the product
  const rnn::StepProduct<T> rk_t = recurrent_kernel_transposed_product(q);
  for (int64_t s = q.T_ - 1; s >= 0; --s) {
    const int64_t t = q.time(s);
#pragma omp parallel for if (B * U > np::kParallelGrain) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* dhb = dh + b * U;
      T* z = dz_step + b * U;
      const T* g = ws + q.row(b, t) * U;
      const bool keep = q.keeps(b, t);
      for (int64_t u = 0; u < U; ++u) {
        const T d = dhb[u] + (dy ? dy[q.row(b, s) * U + u] : T(0));
        z[u] = keep ? d * rnn::derivative(q.activation, g[u]) : T(0);
        dhb[u] = keep ? T(0) : d;
      }
      std::copy(z, z + U, dz + q.row(b, t) * U);
    }
    rnn::add_recurrent_grad(q, rk_t, dz_step, dh, tmp);
  }
  T* hprev = rnn::scratch<T>(2, B * q.T_ * U);
  rnn::gather_previous_outputs(q, out, hprev);
  rnn::gemm<T>(true, false, U, U, B * q.T_, hprev, U, dz, U, T(0), drk, U);
  rnn::input_side_grads(q, dz, dx, dk, q.bias ? db : nullptr);
}

KPP_REGISTER_KERNEL("KerasLSTM", "CPU", float32, keras_lstm<float>);
KPP_REGISTER_KERNEL("KerasLSTM", "CPU", float64, keras_lstm<double>);
KPP_REGISTER_KERNEL("KerasLSTMGrad", "CPU", float32, keras_lstm_grad<float>);
KPP_REGISTER_KERNEL("KerasLSTMGrad", "CPU", float64, keras_lstm_grad<double>);
KPP_REGISTER_KERNEL("KerasSimpleRNN", "CPU", float32, keras_simple_rnn<float>);
KPP_REGISTER_KERNEL("KerasSimpleRNN", "CPU", float64, keras_simple_rnn<double>);
KPP_REGISTER_KERNEL("KerasSimpleRNNGrad", "CPU", float32, keras_simple_rnn_grad<float>);
KPP_REGISTER_KERNEL("KerasSimpleRNNGrad", "CPU", float64, keras_simple_rnn_grad<double>);

}  // namespace
}  // namespace tf::kernels
