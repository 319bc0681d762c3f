// The shared parts of the fused Keras recurrent kernels (keras_recurrent.h).
#include "keras_recurrent.h"

#include "dnnl_context.h"

#include <optional>

namespace tf::kernels::rnn {

// sgemm may split a product's sum (K) over its team, so its bits would
// depend on the team size (measured: [6400, 2048] . [2048, 256]^T differs
// between 1 and 2 threads). Here a product is cut, along the longer side of
// its result, into at most kChunks pieces fixed by the shape alone, each
// computed by a single-threaded sgemm over the whole K (oneDNN runs serially
// inside a parallel region), so every element is summed the same way at any
// team size. Few large pieces: each re-packs the other operand (measured,
// one thread, the benchmark's train-step products: 256 x 128 blocks 836 ms,
// these chunks 695 ms, whole sgemm calls 689 ms).
constexpr int64_t kChunks = 6;  // an even split at 1, 2, 3 and 6 threads
constexpr int64_t kChunkAlign = 16, kMinChunk = 64, kSmallGemm = 1 << 15;

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
  const bool by_rows = m >= n;
  const int64_t len = by_rows ? m : n;
  const int64_t chunk = std::max(kMinChunk, ((len + kChunks - 1) / kChunks + kChunkAlign - 1) / kChunkAlign * kChunkAlign);
  const int64_t pieces = (len + chunk - 1) / chunk;
  bool failed = false;
#pragma omp parallel for schedule(static) reduction(|| : failed)
  for (int64_t p = 0; p < pieces; ++p) {
    const int64_t i0 = p * chunk, size = std::min(chunk, len - i0);
    const float* ap = by_rows ? (ta ? a + i0 : a + i0 * lda) : a;
    const float* bp = by_rows ? b : (tb ? b + i0 * ldb : b + i0);
    float* cp = by_rows ? c + i0 * ldc : c + i0;
    failed = failed || dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', by_rows ? size : m, by_rows ? n : size, k, 1.f,
                                  ap, lda, bp, ldb, beta, cp, ldc) != dnnl_success;
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

template <class T> void project_inputs(const Sequence<T>& q, T* workspace, int64_t W, bool add_bias) {
  const int64_t rows = q.B * q.T_, gu = q.gate_cols();
  gemm<T>(false, false, rows, gu, q.I, q.x, q.I, q.kernel, gu, T(0), workspace, W);
  if (!q.bias || !add_bias) return;
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

namespace {

namespace dctx = cpu::dnnl_context;

// A brgemm matmul primitive for c [m, n] = a [m, k] . w [k, n], w in the
// layout the primitive chose, and the plain layout of w it packs from.
struct PackedMatmul {
  dnnl::matmul prim;
  dnnl::memory::desc a, w, c, w_plain, scratchpad;
};

// Built for the current team size (the context's keys carry it); null when
// oneDNN offers only its sgemm-based matmul, whose threads may split K.
const PackedMatmul* packed_matmul(int64_t m, int64_t n, int64_t k, int64_t ldw, bool tw) {
  dctx::PrimitiveKey key(dnnl::primitive::kind::matmul);
  key.add(-1).add(m).add(n).add(k).add(ldw).add(tw);  // -1: not dnnl_matmul.cc's keys (ta first)
  const auto& entry = dctx::cached<std::optional<PackedMatmul>>(key, [&]() -> std::optional<PackedMatmul> {
    using dims = dnnl::memory::dims;
    const auto f32 = dnnl::memory::data_type::f32;
    const dnnl::memory::desc a({m, k}, f32, dims{k, 1}), c({m, n}, f32, dims{n, 1});
    const dnnl::memory::desc w_plain({k, n}, f32, tw ? dims{1, ldw} : dims{ldw, 1});
    const dnnl::memory::desc w_any({k, n}, f32, dnnl::memory::format_tag::any);
    try {
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, w_any, c), dctx::default_attr(), dctx::engine());
      if (std::string(pd.impl_info_str()).rfind("brg", 0) != 0) return std::nullopt;
      return PackedMatmul{dnnl::matmul(pd), a, pd.weights_desc(), c, w_plain, pd.scratchpad_desc()};
    } catch (const dnnl::error&) {
      return std::nullopt;
    }
  });
  return entry ? &*entry : nullptr;
}

}  // namespace

template <class T>
StepProduct<T>::StepProduct(int64_t m, int64_t n, int64_t k, const T* w, int64_t ldw, bool tw, int slot)
    : m_(m), n_(n), k_(k), ldw_(ldw), w_(w), tw_(tw) {
  if constexpr (std::is_same_v<T, float>) {
    if (m * n * k <= kSmallGemm) return;
    const PackedMatmul* p = packed_matmul(m, n, k, ldw, tw);
    if (!p) return;
    packed_ = scratch<float>(slot, static_cast<int64_t>((p->w.get_size() + sizeof(float) - 1) / sizeof(float)));
    try {
      dctx::reorder(p->w_plain, w, p->w, packed_);
      primitive_ = p;
    } catch (const dnnl::error&) {  // the steps fall back to gemm()
    }
  } else {
    (void)slot;
  }
}

template <class T> void StepProduct<T>::operator()(const T* a, T* c) const {
  if (!primitive_) return gemm<T>(false, tw_, m_, n_, k_, a, k_, w_, ldw_, T(0), c, n_);
  if constexpr (std::is_same_v<T, float>) {
    const auto& p = *static_cast<const PackedMatmul*>(primitive_);
    dnnl::engine& eng = dctx::engine();
    dnnl::memory am(p.a, eng, const_cast<float*>(a)), wm(p.w, eng, packed_), cm(p.c, eng, c);
    dnnl::stream& stream = dctx::stream();
    try {
      p.prim.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, wm}, {DNNL_ARG_DST, cm},
                              {DNNL_ARG_SCRATCHPAD, dctx::scratchpad(p.scratchpad)}});
      stream.wait();
    } catch (const dnnl::error& e) {
      throw errors::InternalError(std::string("oneDNN matmul failed in a recurrent kernel: ") + e.what());
    }
  }
}

template <class T>
void add_recurrent_grad(const Sequence<T>& q, const StepProduct<T>& rk_t, const T* dz_t, T* dh, T* tmp) {
  rk_t(dz_t, tmp);
  const int64_t n = q.B * q.U;
  const T* m = q.recurrent_dropout;
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) dh[i] += m ? tmp[i] * m[i] : tmp[i];
}

// dbias [gu] = column sums of dz [rows, gu]. Each column summed over rows
// in order: the same bits at any team size. The sums of a block of columns
// stay in a local array, which the compiler keeps in registers (summed into
// dbias, which may alias dz for all it knows, each row cost a load and a
// store per column: measured 50 ms of the benchmark's 750 ms train step on
// one thread).
template <class T> void column_sums(const T* dz, int64_t rows, int64_t gu, T* dbias) {
  constexpr int64_t kBlock = 256;
  const int64_t blocks = (gu + kBlock - 1) / kBlock;
#pragma omp parallel for if (rows * gu > np::kParallelGrain) schedule(static)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t j0 = blk * kBlock, width = std::min(kBlock, gu - j0);
    T sums[kBlock] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const T* row = dz + r * gu + j0;
#pragma omp simd
      for (int64_t j = 0; j < width; ++j) sums[j] += row[j];
    }
    std::copy(sums, sums + width, dbias + j0);
  }
}

template <class T> void input_side_grads(const Sequence<T>& q, const T* dz, T* dx, T* dkernel, T* dbias) {
  const int64_t rows = q.B * q.T_, gu = q.gate_cols();
  if (dx) gemm<T>(false, true, rows, q.I, gu, dz, gu, q.kernel, gu, T(0), dx, q.I);
  gemm<T>(true, false, q.I, gu, rows, q.x, q.I, dz, gu, T(0), dkernel, gu);
  if (dbias) column_sums(dz, rows, gu, dbias);
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

template <class T> void gather_step_inputs(const Sequence<T>& q, const T* output, T* xh) {
  const int64_t K = q.I + q.U;
#pragma omp parallel for if (q.B * q.T_ * K > np::kParallelGrain) schedule(static)
  for (int64_t t = 0; t < q.T_; ++t) {
    const int64_t s = q.backwards ? q.T_ - 1 - t : t;  // the step that read time t
    for (int64_t b = 0; b < q.B; ++b) {
      T* dst = xh + (t * q.B + b) * K;
      const T* x = q.x + q.row(b, t) * q.I;
      std::copy(x, x + q.I, dst);
      const T* p = previous_output(q, output, b, s);
      const T* m = q.recurrent_dropout ? q.recurrent_dropout + b * q.U : nullptr;
      for (int64_t u = 0; u < q.U; ++u) dst[q.I + u] = m ? p[u] * m[u] : p[u];
    }
  }
}

template <class T>
void time_major_grads(const Sequence<T>& q, const T* dz, const T* xh, T* dx, T* dkernel, T* drk, T* dbias) {
  const int64_t rows = q.B * q.T_, gu = q.gate_cols(), K = q.I + q.U;
  T* dw = scratch<T>(3, K * gu);  // [dkernel; drecurrent_kernel]
  gemm<T>(true, false, K, gu, rows, xh, K, dz, gu, T(0), dw, gu);
  std::copy(dw, dw + q.I * gu, dkernel);
  std::copy(dw + q.I * gu, dw + K * gu, drk);
  if (dbias) column_sums(dz, rows, gu, dbias);
  if (!dx) return;  // nothing reads the input gradient
  T* dx_tm = scratch<T>(4, rows * q.I);  // dx's rows in (t, b) order
  gemm<T>(false, true, rows, q.I, gu, dz, gu, q.kernel, gu, T(0), dx_tm, q.I);
#pragma omp parallel for if (rows * q.I > np::kParallelGrain) schedule(static)
  for (int64_t b = 0; b < q.B; ++b)
    for (int64_t t = 0; t < q.T_; ++t)
      std::copy(dx_tm + (t * q.B + b) * q.I, dx_tm + (t * q.B + b + 1) * q.I, dx + q.row(b, t) * q.I);
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
  template class StepProduct<T>;                                                                            \
  template void add_recurrent_grad<T>(const Sequence<T>&, const StepProduct<T>&, const T*, T*, T*);      \
  template Sequence<T> read_sequence<T>(const KernelContext&, const InputIndex&, int);                     \
  template void project_inputs<T>(const Sequence<T>&, T*, int64_t, bool);                                  \
  template void add_recurrent_grad<T>(const Sequence<T>&, const T*, int64_t, int64_t, int64_t, T*, T*);   \
  template void input_side_grads<T>(const Sequence<T>&, const T*, T*, T*, T*);                             \
  template void gather_previous_outputs<T>(const Sequence<T>&, const T*, T*);                              \
  template void gather_step_inputs<T>(const Sequence<T>&, const T*, T*);                                   \
  template void time_major_grads<T>(const Sequence<T>&, const T*, const T*, T*, T*, T*, T*);               \
  template const T* optional_grad<T>(const KernelContext&, int, const np::Shape&);
KPP_RNN_INSTANTIATE(float)
KPP_RNN_INSTANTIATE(double)

}  // namespace tf::kernels::rnn
