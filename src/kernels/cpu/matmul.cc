// MatMul on oneDNN's sgemm (float32; a row vector goes to gemv.h) and a
// blocked loop for float64 (used by the float64 gradient checks, not on hot
// paths); and _FusedMatMul, the runtime's MatMul + BiasAdd (+ Relu) fusion.
#include <oneapi/dnnl/dnnl.h>

#include "../../ops/matmul_schema.h"
#include "dnnl_matmul.h"
#include "gemv.h"
#include "product_rows.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

using Dims = cpu::MatMulDims;

// Input indices, the same in MatMul and the fused forms (matmul_schema.h).
constexpr int kA = schema::kFusedMatMul.index("a");
constexpr int kB = schema::kFusedMatMul.index("b");
constexpr int kBias = schema::kFusedMatMul.index("bias");
static_assert(kA == schema::kMatMul.index("a") && kB == schema::kMatMul.index("b"));

Dims matmul_dims(const KernelContext& ctx, bool ta, bool tb) {
  return cpu::matmul_dims(ctx.input(kA), ctx.input(kB), ta, tb, ctx.op_name());
}

// Products this small run serially here: waking sgemm's OpenMP team costs
// more than the arithmetic (and stalls when another process holds a core).
constexpr int64_t kSmallGemm = 1 << 15;
// Transposed products from this size run on oneDNN's matmul primitive
// (below it, its per-call setup costs more than brgemm gains: 27 vs 21 us
// for the seed MLP's 128 x 512 x 10).
constexpr int64_t kPrimitiveGemm = 1 << 22;
// Row-vector products up to this many weights run on gemv.h, one thread.
constexpr int64_t kSmallGemv = 1 << 16;

template <class T>
void small_gemm(const T* pa, const T* pb, T* pc, const Dims& d, bool ta, bool tb, int64_t lda,
                int64_t ldb) {
  std::fill(pc, pc + d.m * d.n, T(0));
  for (int64_t i = 0; i < d.m; ++i)
    for (int64_t p = 0; p < d.k; ++p) {
      const T av = ta ? pa[p * lda + i] : pa[i * lda + p];
      T* row = pc + i * d.n;
      if (tb) {
        for (int64_t j = 0; j < d.n; ++j) row[j] += av * pb[j * ldb + p];
      } else {
        const T* brow = pb + p * ldb;
        for (int64_t j = 0; j < d.n; ++j) row[j] += av * brow[j];
      }
    }
}

// bias: [n] checked against the product [m, n] as BiasAdd checks it.
const float* checked_bias(const KernelContext& ctx, const Dims& d) {
  if (ctx.num_inputs() <= kBias) return nullptr;  // a plain MatMul
  const np::Array& b = ctx.input(kBias);
  if (b.ndim() != 1)
    throw errors::InvalidArgumentError("Biases must be 1D: " + np::shape_str(b.shape()) + " for '" +
                                       ctx.op_name() + "'");
  if (b.size() != d.n)
    throw errors::InvalidArgumentError(
        "Must provide as many biases as the last dimension of the input tensor: " +
        np::shape_str(b.shape()) + " vs. " + np::shape_str({d.m, d.n}) + " for '" +
        ctx.op_name() + "'");
  return b.data<float>();
}

// c: [m, n] += bias, then relu, row by row.
void epilogue(float* c, int64_t m, int64_t n, const float* bias, bool relu) {
  if (!bias && !relu) return;
#pragma omp parallel for if (m * n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < m; ++i) {
    float* row = c + i * n;
    if (bias) {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) row[j] += bias[j];
    }
    if (relu) {
#pragma omp simd
      for (int64_t j = 0; j < n; ++j) row[j] = row[j] > 0.f || row[j] != row[j] ? row[j] : 0.f;
    }
  }
}

// a: [m, k] (or [k, m] with transpose_a), b: [k, n] (or [n, k]) -> [m, n],
// plus bias (input kBias, when fused) and relu.
void matmul_f32(KernelContext& ctx, bool relu) {
  const bool ta = ctx.attr<bool>("transpose_a"), tb = ctx.attr<bool>("transpose_b");
  const Dims d = matmul_dims(ctx, ta, tb);
  const float* bias = checked_bias(ctx, d);
  np::Array& c = ctx.allocate_output(0, {d.m, d.n}, float32);
  if (d.m == 0 || d.n == 0) return;
  float* pc = c.data<float>();
  if (d.k == 0) {  // sgemm leaves C untouched when K = 0
    std::fill(pc, pc + d.m * d.n, 0.f);
    return epilogue(pc, d.m, d.n, bias, relu);
  }
  const np::Array &a = ctx.input(kA), &b = ctx.input(kB);
  // A row vector (contiguous even when transposed) times a small matrix.
  if (d.m == 1 && !tb && d.k * d.n <= kSmallGemv)
    return cpu::gemv_f32(a.data<float>(), b.data<float>(), b.shape(1), d.k, d.n, bias, relu, pc);
  if (d.m * d.n * d.k <= kSmallGemm) {
    small_gemm(a.data<float>(), b.data<float>(), pc, d, ta, tb, a.shape(1), b.shape(1));
    return epilogue(pc, d.m, d.n, bias, relu);
  }
  // Transposed products (backprop's dY . W^T and X^T . dY) on oneDNN's
  // matmul primitive, the others on sgemm (dnnl_matmul.h says why).
  if ((ta || tb) && d.m * d.n * d.k >= kPrimitiveGemm && cpu::dnnl_matmul_f32(ta, tb, d.m, d.n, d.k, a.data<float>(), a.shape(1),
                                         b.data<float>(), b.shape(1), pc))
    return epilogue(pc, d.m, d.n, bias, relu);
  const dnnl_status_t st = dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', d.m, d.n, d.k, 1.f,
                                      a.data<float>(), a.shape(1), b.data<float>(), b.shape(1),
                                      0.f, pc, d.n);
  if (st != dnnl_success)
    throw errors::InternalError("oneDNN sgemm failed for '" + ctx.op_name() + "'");
  epilogue(pc, d.m, d.n, bias, relu);
}

void matmul_f64(KernelContext& ctx) {
  const bool ta = ctx.attr<bool>("transpose_a"), tb = ctx.attr<bool>("transpose_b");
  const Dims d = matmul_dims(ctx, ta, tb);
  np::Array& c = ctx.allocate_output(0, {d.m, d.n}, float64);
  const np::Array &a = ctx.input(kA), &b = ctx.input(kB);
  small_gemm(a.data<double>(), b.data<double>(), c.data<double>(), d, ta, tb, a.shape(1),
             b.shape(1));
}

KPP_REGISTER_KERNEL("MatMul", "CPU", float32, [](KernelContext& ctx) { matmul_f32(ctx, false); });
// Plan-made ops (src/ops/matmul.cc, src/runtime/fuse.h).
KPP_REGISTER_KERNEL("_FusedMatMul", "CPU", float32, [](KernelContext& ctx) { matmul_f32(ctx, false); });
KPP_REGISTER_KERNEL("_FusedMatMulRelu", "CPU", float32,
                    [](KernelContext& ctx) { matmul_f32(ctx, true); });
KPP_REGISTER_KERNEL("MatMul", "CPU", float64, matmul_f64);

}  // namespace
}  // namespace tf::kernels
