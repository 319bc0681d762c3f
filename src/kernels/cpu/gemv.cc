// Row-vector times matrix (see gemv.h).
//
// The AVX-512 tiles are compiled for AVX-512 whatever the build's -march
// and chosen at run time (np/cpu_features.h), so a wheel built for AVX2
// machines still uses them where the CPU has AVX-512.
#include "gemv.h"

#include <algorithm>

#include "keraspp/np/cpu_features.h"

#if defined(__x86_64__) && defined(__GNUC__)
#define KERASPP_AVX512_KERNELS 1
#include <immintrin.h>
#endif

namespace tf::kernels::cpu {
namespace {

#if KERASPP_AVX512_KERNELS
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq")
// GCC 12's unmasked AVX-512 intrinsics pass a self-initialised variable as
// the ignored merge source, which -Wall reports once inlined (as in philox.cc).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// One tile of NV vectors of 16 columns starting at c (the last vector masked
// by `tail`): the accumulators stay in registers while the k rows of this
// slice of w stream through.
template <int NV>
void gemv_tile(const float* x, const float* w, int64_t ldw, int64_t k, int64_t c, __mmask16 tail,
               const float* bias, bool relu, float* y) {
  __m512 acc[NV];
  for (int v = 0; v < NV; ++v) acc[v] = _mm512_setzero_ps();
  const float* row = w + c;
  int64_t p = 0;
  // Four rows per pass: four independent read streams keep more loads in
  // flight (each sum still adds rows in order p, p+1, ...).
  for (; p + 4 <= k; p += 4, row += 4 * ldw) {
    const __m512 x0 = _mm512_set1_ps(x[p]), x1 = _mm512_set1_ps(x[p + 1]);
    const __m512 x2 = _mm512_set1_ps(x[p + 2]), x3 = _mm512_set1_ps(x[p + 3]);
    for (int v = 0; v < NV; ++v) {
      const __mmask16 m = v == NV - 1 ? tail : __mmask16(0xFFFF);
      const float* r = row + 16 * v;
      acc[v] = _mm512_fmadd_ps(x0, _mm512_maskz_loadu_ps(m, r), acc[v]);
      acc[v] = _mm512_fmadd_ps(x1, _mm512_maskz_loadu_ps(m, r + ldw), acc[v]);
      acc[v] = _mm512_fmadd_ps(x2, _mm512_maskz_loadu_ps(m, r + 2 * ldw), acc[v]);
      acc[v] = _mm512_fmadd_ps(x3, _mm512_maskz_loadu_ps(m, r + 3 * ldw), acc[v]);
    }
  }
  for (; p < k; ++p, row += ldw) {
    const __m512 xp = _mm512_set1_ps(x[p]);
    for (int v = 0; v < NV; ++v)
      acc[v] = _mm512_fmadd_ps(xp, _mm512_maskz_loadu_ps(v == NV - 1 ? tail : __mmask16(0xFFFF), row + 16 * v), acc[v]);
  }
  for (int v = 0; v < NV; ++v) {
    const __mmask16 m = v == NV - 1 ? tail : __mmask16(0xFFFF);
    __m512 r = acc[v];
    if (bias) r = _mm512_add_ps(r, _mm512_maskz_loadu_ps(m, bias + c + 16 * v));
    // As the Relu kernel (r > 0 || r != r ? r : 0): max(r, 0) keeps +0 for
    // -0 but gives 0 for NaN, so NaN lanes (unordered with themselves) are
    // put back.
    if (relu)
      r = _mm512_mask_mov_ps(_mm512_max_ps(r, _mm512_setzero_ps()),
                             _mm512_cmp_ps_mask(r, r, _CMP_UNORD_Q), r);
    _mm512_mask_storeu_ps(y + c + 16 * v, m, r);
  }
}

// Columns [c0, c1): tiles of 16 vectors (256 columns: 16 accumulators and
// the broadcast fit AVX-512's 32 registers, and each row's slice is 1 KiB of
// contiguous reads), then one tile for the rest.
void gemv_cols_avx512(const float* x, const float* w, int64_t ldw, int64_t k, int64_t c0, int64_t c1,
                      const float* bias, bool relu, float* y) {
  constexpr int kMax = 16;
  int64_t c = c0;
  for (; c + 16 * kMax <= c1; c += 16 * kMax) gemv_tile<kMax>(x, w, ldw, k, c, 0xFFFF, bias, relu, y);
  const int64_t left = c1 - c;
  if (left == 0) return;
  const int nv = static_cast<int>((left + 15) / 16);
  const int last = static_cast<int>(left - 16 * (nv - 1));
  const auto tail = static_cast<__mmask16>(last == 16 ? 0xFFFF : (1u << last) - 1);
  using Tile = void (*)(const float*, const float*, int64_t, int64_t, int64_t, __mmask16,
                        const float*, bool, float*);
  static constexpr Tile tiles[kMax] = {
      gemv_tile<1>,  gemv_tile<2>,  gemv_tile<3>,  gemv_tile<4>,  gemv_tile<5>,  gemv_tile<6>,
      gemv_tile<7>,  gemv_tile<8>,  gemv_tile<9>,  gemv_tile<10>, gemv_tile<11>, gemv_tile<12>,
      gemv_tile<13>, gemv_tile<14>, gemv_tile<15>, gemv_tile<16>};
  tiles[nv - 1](x, w, ldw, k, c, tail, bias, relu, y);
}
#pragma GCC diagnostic pop
#pragma GCC pop_options
#endif

void gemv_cols_generic(const float* x, const float* w, int64_t ldw, int64_t k, int64_t c0, int64_t c1,
               const float* bias, bool relu, float* y) {
  for (int64_t c = c0; c < c1; ++c) y[c] = 0.f;
  for (int64_t p = 0; p < k; ++p) {
    const float xp = x[p];
    const float* row = w + p * ldw;
#pragma omp simd
    for (int64_t c = c0; c < c1; ++c) y[c] += xp * row[c];
  }
  for (int64_t c = c0; c < c1; ++c) {
    float r = bias ? y[c] + bias[c] : y[c];
    y[c] = relu && !(r > 0.f) && r == r ? 0.f : r;
  }
}

}  // namespace

void gemv_f32(const float* x, const float* w, int64_t ldw, int64_t k, int64_t n,
              const float* bias, bool relu, float* y) {
#if KERASPP_AVX512_KERNELS
  if (np::cpu::kernel_isa() == np::cpu::KernelIsa::kAvx512) return gemv_cols_avx512(x, w, ldw, k, 0, n, bias, relu, y);
#endif
  gemv_cols_generic(x, w, ldw, k, 0, n, bias, relu, y);
}

}  // namespace tf::kernels::cpu
