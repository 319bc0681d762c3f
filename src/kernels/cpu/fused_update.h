// The loop shared by the fused optimizer kernels (TF's Apply* and Keras's
// Keras*Update): a per-element step run over a gradient and the parameter's
// in-place buffers (the variable and its slots), vectorized and, above
// np::kParallelGrain elements, split over the OpenMP threads.
//
// Why this shape: GCC does not vectorize a loop that reaches its buffers
// through an array of pointers (`T* const* s`, reloaded after every store it
// may alias), nor `parallel for simd` with a bare `if` clause (the clause
// switches simd off too). Here each thread takes one contiguous range and runs
// a plain `omp simd` loop over `__restrict` pointers, so sqrt and div become
// packed (zmm on AVX-512) instructions. Packed IEEE sqrt/div and the
// per-element step are the scalar code's arithmetic, so results are bit for
// bit the same; only the loop around the step differs.
//
// Steps write each fused multiply-add as std::fma and leave nothing else to
// contract: with -march=native GCC would fuse a*b+c where it chooses
// (-ffp-contract=fast), and its choice changes with the code around it (a
// refactor, or a reference computed in a test, rounds differently). The
// std::fma calls are the contractions the earlier scalar loops got on FMA
// hardware, so results are unchanged; the kernels compile to the same code
// with -ffp-contract=off.
#pragma once
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>

#include "keraspp/np/broadcast.h"

namespace tf::kernels::fused {

// Thread t of nt updates [begin, end) of n elements: equal shares rounded up
// to 16 elements (whole 64-byte lines for float32) so no two threads write
// one cache line of an aligned buffer.
struct Range {
  int64_t begin, end;
};
inline Range thread_range(int64_t n, int t, int nt) {
  constexpr int64_t kRound = 16;
  const int64_t share = ((n + nt - 1) / nt + kRound - 1) / kRound * kRound;
  const int64_t begin = std::min(n, share * t);
  return {begin, std::min(n, begin + share)};
}

// step(g[i], s0[i], ...) for i in [0, n). One overload per slot count (the
// variable plus up to three slots) because `__restrict` needs named pointers;
// `step` is taken by value so its hyper-parameters are locals of the loop.
template <class T, class Step>
void run_chunk(int64_t n, Step step, const T* __restrict g, T* __restrict s0) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) step(g[i], s0[i]);
}
template <class T, class Step>
void run_chunk(int64_t n, Step step, const T* __restrict g, T* __restrict s0,
               T* __restrict s1) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) step(g[i], s0[i], s1[i]);
}
template <class T, class Step>
void run_chunk(int64_t n, Step step, const T* __restrict g, T* __restrict s0, T* __restrict s1,
               T* __restrict s2) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) step(g[i], s0[i], s1[i], s2[i]);
}
template <class T, class Step>
void run_chunk(int64_t n, Step step, const T* __restrict g, T* __restrict s0, T* __restrict s1,
               T* __restrict s2, T* __restrict s3) {
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) step(g[i], s0[i], s1[i], s2[i], s3[i]);
}

// Runs step(g, s[0], ..., s[N-1]) (the gradient by value, the variable and
// slots by reference) on every one of the n elements of g [n] and of each
// distinct buffer s[k] [n]. The buffers must not overlap each other or g.
template <class T, size_t N, class Step>
void for_each_element(int64_t n, const Step& step, const T* g, const std::array<T*, N>& s) {
  static_assert(N >= 1 && N <= 4, "the variable and up to three slots");
  auto chunk = [&](int64_t begin, int64_t end) {
    std::apply([&](auto*... p) { run_chunk<T>(end - begin, step, g + begin, (p + begin)...); }, s);
  };
  if (n <= np::kParallelGrain) {  // spawning threads would cost more than the loop
    chunk(0, n);
    return;
  }
#pragma omp parallel
  {
    const Range r = thread_range(n, omp_get_thread_num(), omp_get_num_threads());
    chunk(r.begin, r.end);
  }
}

}  // namespace tf::kernels::fused
