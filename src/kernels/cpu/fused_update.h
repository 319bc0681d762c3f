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
//
// The gradient is an input array, or, in a step the runtime fused with the
// MatMul computing it (KernelContext::gradient_product), that product: each
// thread then computes its rows a block at a time into a cache-sized buffer
// and updates them at once, so the gradient is never written to memory and
// read back (for the seed MLP's 784 x 512 kernel, 1.6 MB each way per step).
#pragma once
#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>
#include <tuple>
#include <type_traits>
#include <vector>

#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"
#include "product_rows.h"

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

// An update's gradient: input `input` itself, or the product the runtime
// fused into the step (float32 only; the runtime fuses nothing else).
// Built every training step, so it holds no shape of its own (a Shape is a
// heap-allocated vector): the input's, or the product's dims.
template <class T> struct Gradient {
  const np::Shape* input_shape = nullptr;   // the input's shape, or null
  const T* data = nullptr;                  // the input's values, or null
  std::optional<cpu::ProductRows> product;  // when data is null

  bool has_shape(const np::Shape& s) const {
    if (input_shape) return *input_shape == s;
    return s.size() == 2 && s[0] == product->dims.m && s[1] == product->dims.n;
  }
  np::Shape shape() const {  // for error messages
    return input_shape ? *input_shape : np::Shape{product->dims.m, product->dims.n};
  }
  int64_t size() const {
    return input_shape ? np::shape_size(*input_shape) : product->dims.m * product->dims.n;
  }
};

template <class T> Gradient<T> gradient(const KernelContext& ctx, int input) {
  const auto& fused = ctx.gradient_product;
  if (!fused || fused->input != input) {
    const np::Array& g = ctx.input(input);
    return {&g.shape(), g.data<T>(), std::nullopt};
  }
  if constexpr (std::is_same_v<T, float>) {
    cpu::ProductRows p(ctx.input(input), ctx.input(ctx.num_inputs() - 1), fused->transpose_a,
                       fused->transpose_b, fused->matmul->name);
    return {nullptr, nullptr, p};
  } else {
    throw errors::InternalError("a fused gradient product must be float32 for '" + ctx.op_name() + "'");
  }
}

// Gradient elements per block of product rows: 128 KB of float32, so a
// block and the variable's and slots' rows it updates stay in L2.
inline constexpr int64_t kProductBlock = 1 << 15;

// for_each_element over a Gradient: the array's elements, or the product's
// rows, each thread computing and updating its share of the rows block by
// block. The blocks depend only on the shapes and the thread count, so runs
// repeat bit for bit.
template <class T, size_t N, class Step>
void for_each_element(const Gradient<T>& g, const Step& step, const std::array<T*, N>& s) {
  if (g.data) return for_each_element(g.size(), step, g.data, s);
  if constexpr (std::is_same_v<T, float>) {
    const cpu::ProductRows& product = *g.product;
    const int64_t rows = product.dims.m, cols = product.dims.n;
    const int64_t block = std::max<int64_t>(1, kProductBlock / std::max<int64_t>(cols, 1));
    // A block oneDNN refuses stops its thread's rows; nothing may throw
    // inside the parallel region, so the error is raised after it.
    std::atomic<bool> failed{false};
    auto run_rows = [&](int64_t r0, int64_t r1) {
      thread_local std::vector<float> buf;  // grows once per thread, then reused
      for (int64_t r = r0; r < r1; r += block) {
        const int64_t m = std::min(block, r1 - r);
        if (buf.size() < static_cast<size_t>(m * cols)) buf.resize(static_cast<size_t>(m * cols));
        if (!product(r, r + m, buf.data())) {
          failed = true;
          return;
        }
        std::apply([&](auto*... p) { run_chunk<T>(m * cols, step, buf.data(), (p + r * cols)...); },
                   s);
      }
    };
    if (rows * cols <= np::kParallelGrain) {
      run_rows(0, rows);
    } else {
#pragma omp parallel
      {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        run_rows(rows * t / nt, rows * (t + 1) / nt);
      }
    }
    if (failed)
      throw errors::InternalError("oneDNN sgemm failed on the gradient product of '" +
                                  *g.product->op_name + "'");
  }
}

}  // namespace tf::kernels::fused
