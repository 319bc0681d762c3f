// The shared parts of the fused Keras recurrent kernels (keras_recurrent.h).
#include "keras_recurrent.h"

namespace tf::kernels::rnn {

// sgemm may split a product's sum (K) over its team, so its bits would
// depend on the team size; here each thread computes whole fixed blocks of
// C with a single-threaded sgemm (oneDNN runs serially inside a parallel
// region), so every element is summed the same way at any team size.
constexpr int64_t kBlockRows = 256, kBlockCols = 128, kSmallGemm = 1 << 15;

template <class T>
void small_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
                int64_t ldb, T beta, T* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i) {
    T* row = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) row[j] = beta == T(0) ? T(0) : beta * row[j];
    for (int64_t p = 0; p < k; ++p) {
      const T av = ta ? a[p * lda + i] : a[i * lda + p];
      for (int64_t j = 0; j < n; ++j) row[j] += av * (tb ? b[j * ldb + p] : b[p * ldb + j]);
    }
  }
}

template <>
void gemm<float>(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b,
                 int64_t ldb, float beta, float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // sgemm leaves C untouched when K = 0
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.f ? 0.f : beta * c[i * ldc + j];
    return;
  }
  // Tiny products (the gradient checks' sizes) in a plain loop: waking a
  // team costs more, and outside an active parallel region sgemm would
  // choose its own partition.
  if (m * n * k <= kSmallGemm) return small_gemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
  const int64_t row_blocks = (m + kBlockRows - 1) / kBlockRows, col_blocks = (n + kBlockCols - 1) / kBlockCols;
  bool failed = false;
#pragma omp parallel for schedule(static) reduction(|| : failed)
  for (int64_t blk = 0; blk < row_blocks * col_blocks; ++blk) {
    const int64_t i0 = (blk / col_blocks) * kBlockRows, j0 = (blk % col_blocks) * kBlockCols;
    const int64_t mb = std::min(kBlockRows, m - i0), nb = std::min(kBlockCols, n - j0);
    const float* ab = ta ? a + i0 : a + i0 * lda;
    const float* bb = tb ? b + j0 * ldb : b + j0;
    failed = failed || dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', mb, nb, k, 1.f, ab, lda, bb, ldb, beta,
                                  c + i0 * ldc + j0, ldc) != dnnl_success;
  }
  if (failed) throw errors::InternalError("oneDNN sgemm failed in a recurrent kernel");
}

// float64 runs the gradient checks only: a plain loop.
template <>
void gemm<double>(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda,
                  const double* b, int64_t ldb, double beta, double* c, int64_t ldc) {
  small_gemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

namespace {


// Input `index` must have shape `want`, or [0] when `optional`.
void require_shape(const KernelContext& ctx, int index, const char* what, const np::Shape& want, bool optional) {
  const np::Shape& got = ctx.input(index).shape();
  if (got == want || (optional && got == np::Shape{0})) return;
  throw errors::InvalidArgumentError(std::string(what) + " must have shape " + np::shape_str(want) +
                                     (optional ? " (or [0] for none)" : "") + ", got " + np::shape_str(got) +
                                     " for '" + ctx.op_name() + "' (op: '" + ctx.node().type + "')");
}

template <class T> const T* optional_data(const KernelContext& ctx, int index) {
  const np::Array& a = ctx.input(index);
  return a.size() == 0 && a.ndim() == 1 ? nullptr : a.data<T>();
}

}  // namespace

template <class T> Sequence<T> read_sequence(const KernelContext& ctx, const InputIndex& in, int gates) {
  const np::Array& x = ctx.input(in.x);
  if (x.ndim() != 3)
    throw errors::InvalidArgumentError("x must be 3-D [batch, time, input], got " + np::shape_str(x.shape()) +
                                       " for '" + ctx.op_name() + "' (op: '" + ctx.node().type + "')");
  const np::Array& rk = ctx.input(in.recurrent_kernel);
  Sequence<T> q;
  q.B = x.shape(0), q.T_ = x.shape(1), q.I = x.shape(2), q.G = gates;
  q.U = rk.ndim() == 2 ? rk.shape(0) : -1;
  const int64_t gu = gates * std::max<int64_t>(q.U, 0);
  require_shape(ctx, in.recurrent_kernel, "recurrent_kernel", {q.U, gu}, false);
  require_shape(ctx, in.kernel, "kernel", {q.I, gu}, false);
  require_shape(ctx, in.h0, "h0", {q.B, q.U}, false);
  if (in.c0 >= 0) require_shape(ctx, in.c0, "c0", {q.B, q.U}, false);
  require_shape(ctx, in.bias, "bias", {gu}, true);
  require_shape(ctx, in.mask, "mask", {q.B, q.T_}, true);
  require_shape(ctx, in.recurrent_dropout, "recurrent_dropout_mask", {q.B, q.U}, true);
  q.x = x.data<T>();
  q.h0 = ctx.input(in.h0).data<T>();
  q.c0 = in.c0 >= 0 ? ctx.input(in.c0).data<T>() : nullptr;
  q.kernel = ctx.input(in.kernel).data<T>();
  q.recurrent_kernel = rk.data<T>();
  q.bias = optional_data<T>(ctx, in.bias);
  q.mask = optional_data<T>(ctx, in.mask);
  q.recurrent_dropout = optional_data<T>(ctx, in.recurrent_dropout);
  q.backwards = ctx.attr<bool>("go_backwards");
  q.activation = parse_activation(ctx.attr<std::string>("activation"));
  if (ctx.has_attr("recurrent_activation"))
    q.recurrent_activation = parse_activation(ctx.attr<std::string>("recurrent_activation"));
  return q;
}

template <class T> void project_inputs(const Sequence<T>& q, T* workspace, int64_t W) {
  const int64_t rows = q.B * q.T_, gu = q.gate_cols();
  gemm<T>(false, false, rows, gu, q.I, q.x, q.I, q.kernel, gu, T(0), workspace, W);
  if (!q.bias) return;
#pragma omp parallel for if (rows * gu > np::kParallelGrain) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    T* w = workspace + r * W;
#pragma omp simd
    for (int64_t j = 0; j < gu; ++j) w[j] += q.bias[j];
  }
}

template <class T>
void add_recurrent_grad(const Sequence<T>& q, const T* dz_t, int64_t ldz, int64_t col0, int64_t ncols, T* dh,
                        T* tmp) {
  const T* rk = q.recurrent_kernel + col0;
  if (!q.recurrent_dropout) return gemm<T>(false, true, q.B, q.U, ncols, dz_t, ldz, rk, q.gate_cols(), T(1), dh, q.U);
  gemm<T>(false, true, q.B, q.U, ncols, dz_t, ldz, rk, q.gate_cols(), T(0), tmp, q.U);
  const int64_t n = q.B * q.U;
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) dh[i] += tmp[i] * q.recurrent_dropout[i];
}

template <class T> void input_side_grads(const Sequence<T>& q, const T* dz, T* dx, T* dkernel, T* dbias) {
  const int64_t rows = q.B * q.T_, gu = q.gate_cols();
  gemm<T>(false, true, rows, q.I, gu, dz, gu, q.kernel, gu, T(0), dx, q.I);
  gemm<T>(true, false, q.I, gu, rows, q.x, q.I, dz, gu, T(0), dkernel, gu);
  if (!dbias) return;
  // Each column summed over rows in order: the same bits at any team size.
  constexpr int64_t kBlock = 64;
#pragma omp parallel for if (rows * gu > np::kParallelGrain) schedule(static)
  for (int64_t j0 = 0; j0 < gu; j0 += kBlock) {
    const int64_t j1 = std::min(gu, j0 + kBlock);
    for (int64_t j = j0; j < j1; ++j) dbias[j] = T(0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = j0; j < j1; ++j) dbias[j] += dz[r * gu + j];
  }
}

template <class T> void gather_previous_outputs(const Sequence<T>& q, const T* output, T* hprev) {
#pragma omp parallel for if (q.B * q.T_ * q.U > np::kParallelGrain) schedule(static)
  for (int64_t b = 0; b < q.B; ++b)
    for (int64_t s = 0; s < q.T_; ++s) {
      const T* p = previous_output(q, output, b, s);
      T* dst = hprev + q.row(b, q.time(s)) * q.U;
      const T* m = q.recurrent_dropout ? q.recurrent_dropout + b * q.U : nullptr;
      for (int64_t u = 0; u < q.U; ++u) dst[u] = m ? p[u] * m[u] : p[u];
    }
}

template <class T> const T* optional_grad(const KernelContext& ctx, int index, const np::Shape& shape) {
  const np::Array& g = ctx.input(index);
  if (g.ndim() == 1 && g.size() == 0) return nullptr;
  if (g.shape() != shape)
    throw errors::InvalidArgumentError("gradient input " + std::to_string(index) + " must have shape " +
                                       np::shape_str(shape) + " (or [0] for none), got " +
                                       np::shape_str(g.shape()) + " for '" + ctx.op_name() + "'");
  return g.data<T>();
}

#define KPP_RNN_INSTANTIATE(T)                                                                              \
  template Sequence<T> read_sequence<T>(const KernelContext&, const InputIndex&, int);                     \
  template void project_inputs<T>(const Sequence<T>&, T*, int64_t);                                        \
  template void add_recurrent_grad<T>(const Sequence<T>&, const T*, int64_t, int64_t, int64_t, T*, T*);   \
  template void input_side_grads<T>(const Sequence<T>&, const T*, T*, T*, T*);                             \
  template void gather_previous_outputs<T>(const Sequence<T>&, const T*, T*);                              \
  template const T* optional_grad<T>(const KernelContext&, int, const np::Shape&);
KPP_RNN_INSTANTIATE(float)
KPP_RNN_INSTANTIATE(double)

}  // namespace tf::kernels::rnn
