// CPU kernels of KerasGRU and its gradient (src/ops/keras_recurrent.cc).
//
// GRU step (Keras 2.0.x, implementation 2): with xz, xr, xh the step's
// columns of x . kernel + bias and hd = h_{t-1} * rdp,
//   z = ract(xz + hd . rk_z),  r = ract(xr + hd . rk_r)
//   h~ = act(xh + (r * h_{t-1} * rdp) . rk_h)
//   h_t = z * h_{t-1} + (1 - z) * h~
// (the reset gate multiplies h before the h gate's product: two recurrent
// products per step). A masked step outputs h_{t-1}.
#include "../../ops/keras_recurrent_schema.h"
#include "keras_recurrent.h"

namespace tf::kernels {
namespace {

using rnn::Sequence;

constexpr rnn::InputIndex kGRUInputs{
    schema::kKerasRecurrent.index("x"),      schema::kKerasRecurrent.index("h0"), -1,
    schema::kKerasRecurrent.index("kernel"), schema::kKerasRecurrent.index("recurrent_kernel"),
    schema::kKerasRecurrent.index("bias"),   schema::kKerasRecurrent.index("mask"),
    schema::kKerasRecurrent.index("recurrent_dropout_mask")};

// The recurrent dropout factor of row b, unit u (1 without dropout).
template <class T> T dropout_at(const Sequence<T>& q, int64_t b, int64_t u) {
  return q.recurrent_dropout ? q.recurrent_dropout[b * q.U + u] : T(1);
}

// workspace row: z, r, h~ (activated).
template <class T> void keras_gru(KernelContext& ctx) {
  const Sequence<T> q = rnn::read_sequence<T>(ctx, kGRUInputs, 3);
  const int64_t B = q.B, U = q.U, G3 = 3 * U;
  const DType dt = ctx.input(0).dtype();
  T* out = ctx.allocate_output(0, {B, q.T_, U}, dt).template data<T>();
  T* h = ctx.allocate_output(1, {B, U}, dt).template data<T>();
  T* ws = ctx.allocate_output(2, {B, q.T_, G3}, dt).template data<T>();
  rnn::project_inputs(q, ws, G3);
  T* rzr = rnn::scratch<T>(0, B * 2 * U);  // hd . rk[:, 0:2U]
  T* rh = rnn::scratch<T>(1, B * U);       // r * h * rdp, then its product with rk_h
  T* tmp = rnn::scratch<T>(2, B * U);
  T* prod = rnn::scratch<T>(3, B * U);
  // The steps' products with rk[:, 0:2U] and rk_h = rk[:, 2U:3U], packed once.
  const rnn::StepProduct<T> rk_zr(B, 2 * U, U, q.recurrent_kernel, G3, false, 5);
  const rnn::StepProduct<T> rk_h(B, U, U, q.recurrent_kernel + 2 * U, G3, false, 6);
  for (int64_t s = 0; s < q.T_; ++s) {
    const int64_t t = q.time(s);
    rnn::previous_outputs(q, out, s, tmp);
    rk_zr(tmp, rzr);
#pragma omp parallel for if (B * U * 2 > np::kParallelGrain) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* g = ws + q.row(b, t) * G3;
      const T* hp = rnn::previous_output(q, out, b, s);
#pragma omp simd
      for (int64_t j = 0; j < 2 * U; ++j) g[j] += rzr[b * 2 * U + j];
      rnn::activate_range(q.recurrent_activation, g, 2 * U);
      for (int64_t u = 0; u < U; ++u) rh[b * U + u] = g[U + u] * hp[u] * dropout_at(q, b, u);
    }
    rk_h(rh, prod);
#pragma omp parallel for if (B * U * 2 > np::kParallelGrain) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* g = ws + q.row(b, t) * G3;
      const T* hp = rnn::previous_output(q, out, b, s);
      T* o = out + q.row(b, s) * U;
      const bool keep = q.keeps(b, t);
#pragma omp simd
      for (int64_t u = 0; u < U; ++u) g[2 * U + u] += prod[b * U + u];
      rnn::activate_range(q.activation, g + 2 * U, U);
#pragma omp simd
      for (int64_t u = 0; u < U; ++u) o[u] = keep ? g[u] * hp[u] + (T(1) - g[u]) * g[2 * U + u] : hp[u];
    }
  }
  for (int64_t i = 0; i < B * U; ++i) h[i] = q.T_ ? out[q.row(i / U, q.T_ - 1) * U + i % U] : q.h0[i];
}

template <class T> void keras_gru_grad(KernelContext& ctx) {
  const Sequence<T> q = rnn::read_sequence<T>(ctx, kGRUInputs, 3);
  const int64_t B = q.B, U = q.U, G3 = 3 * U;
  const T* out = ctx.input(schema::kKerasRecurrentGrad.index("output")).data<T>();
  const T* ws = ctx.input(schema::kKerasRecurrentGrad.index("workspace")).data<T>();
  const T* dy = rnn::optional_grad<T>(ctx, schema::kKerasRecurrentGrad.index("grad_output"), {B, q.T_, U});
  const T* gh = rnn::optional_grad<T>(ctx, schema::kKerasRecurrentGrad.index("grad_h"), {B, U});
  const DType dt = ctx.input(0).dtype();
  T* dx = rnn::output_if_read<T>(ctx, 0, {B, q.T_, q.I}, dt);
  T* dh = ctx.allocate_output(1, {B, U}, dt).template data<T>();
  T* dk = ctx.allocate_output(2, ctx.input(kGRUInputs.kernel).shape(), dt).template data<T>();
  T* drk = ctx.allocate_output(3, ctx.input(kGRUInputs.recurrent_kernel).shape(), dt).template data<T>();
  T* db = ctx.allocate_output(4, ctx.input(kGRUInputs.bias).shape(), dt).template data<T>();
  for (int64_t i = 0; i < B * U; ++i) dh[i] = gh ? gh[i] : T(0);
  T* dz = rnn::scratch<T>(0, B * q.T_ * G3);
  T* qh = rnn::scratch<T>(1, B * U);  // d(r * h * rdp) = dz_h . rk_h^T
  T* tmp = rnn::scratch<T>(2, B * U);
  for (int64_t s = q.T_ - 1; s >= 0; --s) {
    const int64_t t = q.time(s);
    T* dz_t = dz + t * G3;
    // z's and h~'s pre-activation gradients; dh keeps its direct part z * dh.
#pragma omp parallel for if (B * U * 3 > np::kParallelGrain) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* dhb = dh + b * U;
      if (dy)
        for (int64_t u = 0; u < U; ++u) dhb[u] += dy[q.row(b, s) * U + u];
      T* zr = dz + q.row(b, t) * G3;
      if (!q.keeps(b, t)) {
        std::fill(zr, zr + G3, T(0));
        continue;
      }
      const T* g = ws + q.row(b, t) * G3;
      const T* hp = rnn::previous_output(q, out, b, s);
      for (int64_t u = 0; u < U; ++u) {
        const T z = g[u], hh = g[2 * U + u], d = dhb[u];
        zr[u] = d * (hp[u] - hh) * rnn::derivative(q.recurrent_activation, z);
        zr[2 * U + u] = d * (T(1) - z) * rnn::derivative(q.activation, hh);
        dhb[u] = d * z;
      }
    }
    rnn::gemm<T>(false, true, B, U, U, dz_t + 2 * U, q.T_ * G3, q.recurrent_kernel + 2 * U, G3, T(0), qh, U);
    // r's pre-activation gradient and h's share through r * h.
#pragma omp parallel for if (B * U * 2 > np::kParallelGrain) schedule(static)
    for (int64_t b = 0; b < B; ++b) {
      T* zr = dz + q.row(b, t) * G3;
      const T* g = ws + q.row(b, t) * G3;
      const T* hp = rnn::previous_output(q, out, b, s);
      const bool keep = q.keeps(b, t);
      for (int64_t u = 0; u < U; ++u) {
        const T qd = qh[b * U + u] * dropout_at(q, b, u);
        zr[U + u] = keep ? qd * hp[u] * rnn::derivative(q.recurrent_activation, g[U + u]) : T(0);
        if (keep) dh[b * U + u] += qd * g[U + u];
      }
    }
    rnn::add_recurrent_grad(q, dz_t, q.T_ * G3, 0, 2 * U, dh, tmp);
  }
  // drk[:, 0:2U] = hd^T . dz[:, 0:2U];  drk[:, 2U:3U] = (r * h * rdp)^T . dz[:, 2U:3U].
  const int64_t rows = B * q.T_;
  T* hprev = rnn::scratch<T>(3, rows * U);
  rnn::gather_previous_outputs(q, out, hprev);
  rnn::gemm<T>(true, false, U, 2 * U, rows, hprev, U, dz, G3, T(0), drk, G3);
#pragma omp parallel for if (rows * U > np::kParallelGrain) schedule(static)
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t u = 0; u < U; ++u) hprev[r * U + u] *= ws[r * G3 + U + u];  // times r (time-indexed rows)
  rnn::gemm<T>(true, false, U, U, rows, hprev, U, dz + 2 * U, G3, T(0), drk + 2 * U, G3);
  rnn::input_side_grads(q, dz, dx, dk, q.bias ? db : nullptr);
}

KPP_REGISTER_KERNEL("KerasGRU", "CPU", float32, keras_gru<float>);
KPP_REGISTER_KERNEL("KerasGRU", "CPU", float64, keras_gru<double>);
KPP_REGISTER_KERNEL("KerasGRUGrad", "CPU", float32, keras_gru_grad<float>);
KPP_REGISTER_KERNEL("KerasGRUGrad", "CPU", float64, keras_gru_grad<double>);

}  // namespace
}  // namespace tf::kernels
