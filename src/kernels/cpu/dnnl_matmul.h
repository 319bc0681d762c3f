// oneDNN's matmul primitive for the transposed products of backprop. On
// this machine (Xeon, AVX-512, 2 threads) its brgemm kernels beat
// dnnl_sgemm on them: dY . W^T (NT) 295 vs 242 GFLOP/s, X^T . dY (TN) 296 vs
// 270, measured with the seed MLP's shapes; the untransposed forward runs
// as fast on sgemm, which stays there.
#pragma once
#include <cstdint>

namespace tf::kernels::cpu {

// Row-major c[m, n] = op(a) . op(b), op = transpose when ta / tb, with the
// stored matrices' row strides lda and ldb. Primitives are built once per
// shape in the shared oneDNN context (dnnl_context.h). Returns false when
// oneDNN refuses (caller falls back).
bool dnnl_matmul_f32(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                     const float* b, int64_t ldb, float* c);

}  // namespace tf::kernels::cpu
