// Philox4x32's bulk fills: many counters go through the ten rounds side by
// side in vector registers. The numbers are exactly the scalar generator's
// (tests/np/philox_test.cc, tests/ops/fused_dropout_test.cc); only the
// schedule differs.
//
// Compiled here rather than inline in the header so every caller (including
// code built without -march=native) runs the one vectorised definition. The
// AVX-512 batch is compiled for AVX-512 whatever the build's -march and
// chosen at run time (np/cpu_features.h); the portable one runs elsewhere.
#include <cstring>

#include "keraspp/np/philox.h"
#include "keraspp/np/cpu_features.h"
#if defined(__x86_64__) && defined(__GNUC__)
#define KERASPP_AVX512_KERNELS 1
#include <immintrin.h>
// GCC 12's unmasked AVX-512 intrinsics pass _mm512_undefined_epi32() (a
// self-initialised variable) as the ignored merge source, which -Wall
// reports as uninitialized once inlined here; a false positive.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace np::random {

namespace {

using P = Philox4x32;

// Blocks one batch computes side by side.
constexpr int kBatch = 32;

using BatchFn = void (*)(uint64_t key, uint64_t counter_hi, uint64_t first, uint32_t* words);

#if KERASPP_AVX512_KERNELS
#pragma GCC push_options
#pragma GCC target("avx512f,avx512bw,avx512vl,avx512dq")
// words[0, 4 * kBatch): the words of blocks [first, first + kBatch).
//
// Eight blocks per register, one per 64-bit lane whose low half holds a
// 32-bit word: vpmuludq then gives the 32x32->64 round products directly.
// (GCC 12 vectorises the portable loop below with vpmullq, a 64x64 multiply
// several times slower, and keeps the lanes in memory: 2.2 vs 0.44 ns per
// float here.) High halves carry garbage that vpmuludq ignores and the final
// blend drops. Four groups in flight hide the multiply latency.
void batch_avx512(uint64_t key, uint64_t counter_hi, uint64_t first, uint32_t* words) {
  constexpr int kGroups = kBatch / 8;
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  __m512i c0[kGroups], c1[kGroups], c2[kGroups], c3[kGroups];
#pragma GCC unroll 4
  for (int g = 0; g < kGroups; ++g) {
    const auto start = static_cast<long long>(first + 8u * static_cast<unsigned>(g));
    const __m512i ctr = _mm512_add_epi64(_mm512_set1_epi64(start), lane);
    c0[g] = ctr;
    c1[g] = _mm512_srli_epi64(ctr, 32);
    c2[g] = _mm512_set1_epi64(static_cast<long long>(counter_hi & 0xffffffffu));
    c3[g] = _mm512_set1_epi64(static_cast<long long>(counter_hi >> 32));
  }
  const __m512i m0 = _mm512_set1_epi64(P::kMul0), m1 = _mm512_set1_epi64(P::kMul1);
  uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
  for (int r = 0; r < 10; ++r) {
    const __m512i kv0 = _mm512_set1_epi64(k0), kv1 = _mm512_set1_epi64(k1);
#pragma GCC unroll 4
    for (int g = 0; g < kGroups; ++g) {
      const __m512i p0 = _mm512_mul_epu32(c0[g], m0);
      const __m512i p1 = _mm512_mul_epu32(c2[g], m1);
      // Truth table 0x96: a ^ b ^ c.
      c0[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), c1[g], kv0, 0x96);
      c2[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), c3[g], kv1, 0x96);
      c1[g] = p1;
      c3[g] = p0;
    }
    k0 += P::kWeyl0;
    k1 += P::kWeyl1;
  }
  // Per block, [w0 | w1] and [w2 | w3] as 64-bit lanes; interleaving them
  // puts each block's four words together in counter order.
  const __m512i lo_idx = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
  const __m512i hi_idx = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
#pragma GCC unroll 4
  for (int g = 0; g < kGroups; ++g) {
    const __m512i w01 = _mm512_mask_blend_epi32(0xAAAA, c0[g], _mm512_slli_epi64(c1[g], 32));
    const __m512i w23 = _mm512_mask_blend_epi32(0xAAAA, c2[g], _mm512_slli_epi64(c3[g], 32));
    _mm512_storeu_si512(words + 32 * g, _mm512_permutex2var_epi64(w01, lo_idx, w23));
    _mm512_storeu_si512(words + 32 * g + 16, _mm512_permutex2var_epi64(w01, hi_idx, w23));
  }
}
#pragma GCC pop_options
#endif

// Portable: sixteen blocks side by side so the compiler can vectorise the rounds.
void batch_generic(uint64_t key, uint64_t counter_hi, uint64_t first, uint32_t* words) {
  constexpr int kLanes = 16;
  for (int base = 0; base < kBatch; base += kLanes) {
    uint32_t c0[kLanes], c1[kLanes], c2[kLanes], c3[kLanes];
    for (int i = 0; i < kLanes; ++i) {
      const uint64_t ctr = first + static_cast<uint64_t>(base + i);
      c0[i] = static_cast<uint32_t>(ctr);
      c1[i] = static_cast<uint32_t>(ctr >> 32);
      c2[i] = static_cast<uint32_t>(counter_hi);
      c3[i] = static_cast<uint32_t>(counter_hi >> 32);
    }
    uint32_t k0 = static_cast<uint32_t>(key), k1 = static_cast<uint32_t>(key >> 32);
    for (int r = 0; r < 10; ++r) {
#pragma omp simd
      for (int i = 0; i < kLanes; ++i) {
        const uint64_t p0 = uint64_t{P::kMul0} * c0[i];
        const uint64_t p1 = uint64_t{P::kMul1} * c2[i];
        const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ c1[i] ^ k0;
        const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ c3[i] ^ k1;
        c1[i] = static_cast<uint32_t>(p1);
        c3[i] = static_cast<uint32_t>(p0);
        c0[i] = n0;
        c2[i] = n2;
      }
      k0 += P::kWeyl0;
      k1 += P::kWeyl1;
    }
    for (int i = 0; i < kLanes; ++i) {
      uint32_t* w = words + 4 * (base + i);
      w[0] = c0[i];
      w[1] = c1[i];
      w[2] = c2[i];
      w[3] = c3[i];
    }
  }
}

BatchFn batch_for_this_cpu() {
#if KERASPP_AVX512_KERNELS
  if (np::cpu::kernel_isa() == np::cpu::KernelIsa::kAvx512) return batch_avx512;
#endif
  return batch_generic;
}

}  // namespace

void Philox4x32::fill_blocks(uint64_t key, uint64_t counter_hi, uint64_t first, int64_t n,
                             uint32_t* words) {
  const BatchFn batch = batch_for_this_cpu();
  int64_t b = 0;
  for (; b + kBatch <= n; b += kBatch) batch(key, counter_hi, first + static_cast<uint64_t>(b), words + 4 * b);
  if (b < n) {
    alignas(64) uint32_t tail[4 * kBatch];
    batch(key, counter_hi, first + static_cast<uint64_t>(b), tail);
    std::memcpy(words + 4 * b, tail, static_cast<size_t>(4 * (n - b)) * sizeof(uint32_t));
  }
}

void Philox4x32::fill_uniform(uint64_t key, uint64_t counter_hi, uint64_t first, int64_t n, float* out) {
  const BatchFn batch = batch_for_this_cpu();
  alignas(64) uint32_t w[4 * kBatch];
  for (int64_t k = 0; k < n; k += 4 * kBatch) {
    batch(key, counter_hi, first + static_cast<uint64_t>(k / 4), w);
    const int64_t m = n - k < 4 * kBatch ? n - k : 4 * kBatch;
    float* o = out + k;
#pragma omp simd
    for (int64_t i = 0; i < m; ++i) o[i] = to_float(w[i]);
  }
}

void Philox4x32::fill_uniform(uint64_t key, uint64_t counter_hi, uint64_t first, int64_t n, double* out) {
  const BatchFn batch = batch_for_this_cpu();
  alignas(64) uint32_t w[4 * kBatch];
  for (int64_t k = 0; k < n; k += 2 * kBatch) {
    batch(key, counter_hi, first + static_cast<uint64_t>(k / 2), w);
    const int64_t m = n - k < 2 * kBatch ? n - k : 2 * kBatch;
    double* o = out + k;
#pragma omp simd
    for (int64_t i = 0; i < m; ++i) o[i] = to_double(w[2 * i], w[2 * i + 1]);
  }
}

}  // namespace np::random
