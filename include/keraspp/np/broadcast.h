// Elementwise loops with numpy broadcasting, shared by np:: arithmetic and
// the CPU kernels. Fast paths for equal shapes, scalars and trailing-vector
// (bias-like) operands; a strided loop otherwise. Large loops run on OpenMP.
#pragma once
#include <omp.h>

#include <array>

#include "keraspp/np/array.h"

namespace np {

// Below this many elements a loop runs on one thread (spawn cost dominates).
inline constexpr int64_t kParallelGrain = 1 << 15;
// The same for loops whose elements each cost an exp, log or division
// (~5-10 ns scalar, 20-50x an add): softmax and cross-entropy rows split
// over the threads from 1K elements (measured: the seed MLP's [128, 10]
// softmax and loss ops, 30 -> 20 us per step on 2 threads).
inline constexpr int64_t kParallelGrainTranscendental = 1 << 10;

// body(i) for i in [0, n), vectorized; on all threads above the grain. (Not
// `parallel for simd if (...)`: a bare if clause also switches simd off, and
// even a false `parallel` still enters the OpenMP runtime.)
template <class F> inline void simd_for(int64_t n, F body) {
  if (n > kParallelGrain) {
#pragma omp parallel for simd schedule(static)
    for (int64_t i = 0; i < n; ++i) body(i);
  } else {
#pragma omp simd
    for (int64_t i = 0; i < n; ++i) body(i);
  }
}

// out[i] = f(a[i]) over a flat range.
template <class TA, class TO, class F>
void unary_loop(const TA* a, TO* out, int64_t n, F f) {
  simd_for(n, [&](int64_t i) { out[i] = f(a[i]); });
}

// Strides (in elements) of `shape` aligned right against `out` rank; 0 where
// the dimension is broadcast.
inline std::vector<int64_t> broadcast_strides(const Shape& shape, const Shape& out) {
  std::vector<int64_t> st(out.size(), 0);
  int64_t s = 1;
  const size_t off = out.size() - shape.size();
  for (size_t i = shape.size(); i-- > 0;) {
    st[i + off] = shape[i] == 1 ? 0 : s;
    s *= shape[i];
  }
  return st;
}

// out = f(a, b) with broadcasting; `out` must already have the broadcast shape.
template <class TA, class TB, class TO, class F>
void binary_loop(const Array& a, const Array& b, const Array& out, F f) {
  const TA* pa = static_cast<const TA*>(a.raw_data());
  const TB* pb = static_cast<const TB*>(b.raw_data());
  TO* po = static_cast<TO*>(out.raw_data());
  const int64_t n = out.size();
  if (a.shape() == b.shape()) {
    simd_for(n, [&](int64_t i) { po[i] = f(pa[i], pb[i]); });
    return;
  }
  if (b.size() == 1) {
    const TB s = pb[0];
    simd_for(n, [&](int64_t i) { po[i] = f(pa[i], s); });
    return;
  }
  if (a.size() == 1) {
    const TA s = pa[0];
    simd_for(n, [&](int64_t i) { po[i] = f(s, pb[i]); });
    return;
  }
  const Shape& os = out.shape();
  const int nd = static_cast<int>(os.size());
  const int64_t inner = os.empty() ? 1 : os.back();
  const int64_t outer = inner ? n / inner : 0;
  const auto sa = broadcast_strides(a.shape(), os);
  const auto sb = broadcast_strides(b.shape(), os);
  const int64_t ia = nd ? sa[nd - 1] : 0, ib = nd ? sb[nd - 1] : 0;
#pragma omp parallel for if (n > kParallelGrain) schedule(static)
  for (int64_t r = 0; r < outer; ++r) {
    // Offsets of row r in a and b from its multi-index.
    int64_t rem = r, oa = 0, ob = 0;
    for (int d = nd - 2; d >= 0; --d) {
      const int64_t idx = rem % os[d];
      rem /= os[d];
      oa += idx * sa[d];
      ob += idx * sb[d];
    }
    TO* dst = po + r * inner;
    const TA* ra = pa + oa;
    const TB* rb = pb + ob;
    for (int64_t i = 0; i < inner; ++i) dst[i] = f(ra[i * ia], rb[i * ib]);
  }
}

}  // namespace np
