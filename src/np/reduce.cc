// np:: reductions (sum, mean, max, min, argmax/argmin along one axis or all),
// whole-array predicates (array_equal, allclose) and concatenate.
#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>

#include "keraspp/np/array.h"
#include "keraspp/np/broadcast.h"

namespace np {

namespace {

// numpy's AxisError text; `axis` is printed as the caller gave it.
int normalize_axis(int axis, int ndim) {
  if (axis < -ndim || axis >= ndim)
    throw ValueError("axis " + std::to_string(axis) + " is out of bounds for array of dimension " +
                     std::to_string(ndim));
  return axis < 0 ? axis + ndim : axis;
}

// A reduction seen as a C-order array of shape (outer, n, inner) reduced over n.
struct Geometry {
  int64_t outer = 1, n = 1, inner = 1;
  Shape out;  // result shape (with or without the kept dimension)
};

Geometry geometry(const Array& a, int axis, bool keepdims) {
  Geometry g;
  const Shape& s = a.shape();
  if (axis == kNoAxis) {
    g.n = a.size();
    if (keepdims) g.out.assign(s.size(), 1);
    return g;
  }
  const int ax = normalize_axis(axis, a.ndim());
  for (int d = 0; d < a.ndim(); ++d) {
    if (d < ax) g.outer *= s[d];
    if (d > ax) g.inner *= s[d];
    if (d != ax) g.out.push_back(s[d]);
    else if (keepdims) g.out.push_back(1);
  }
  g.n = s[ax];
  return g;
}

// acc[o, i] = fold over k of x[o, k, i]. Walks k in the middle loop so every
// pass streams contiguous memory whatever the axis. `first` seeds from row 0;
// `step(acc&, x, k)` folds row k >= 1; `emit(acc, out_index)` stores.
template <class T, class Acc, class Seed, class Step, class Emit>
void fold(const T* p, const Geometry& g, Seed seed, Step step, Emit emit) {
  // Not std::vector: vector<bool> has no bool& to hand to `step`.
  std::unique_ptr<Acc[]> acc(new Acc[static_cast<size_t>(g.inner)]);
  for (int64_t o = 0; o < g.outer; ++o) {
    const T* base = p + o * g.n * g.inner;
    for (int64_t i = 0; i < g.inner; ++i) acc[i] = seed(base[i]);
    for (int64_t k = 1; k < g.n; ++k) {
      const T* row = base + k * g.inner;
      for (int64_t i = 0; i < g.inner; ++i) step(acc[i], row[i], k);
    }
    for (int64_t i = 0; i < g.inner; ++i) emit(acc[i], o * g.inner + i);
  }
}

// Sum (mean when `average`): floats accumulate in double so float32 sums do
// not stall the way naive float32 loops do (numpy uses pairwise summation);
// integers accumulate in wrapping 64-bit as numpy's int64 does.
Array sum_impl(const Array& a, int axis, bool keepdims, bool average) {
  const Geometry g = geometry(a, axis, keepdims);
  const DType in = a.dtype();
  const DType out_t = is_floating(in) ? in : (average ? float64 : int64);
  Array out = Array::empty(g.out, out_t);
  if (g.n == 0) {
    // numpy: empty sums are 0, empty means are nan.
    out.fill(average ? std::nan("") : 0.0);
    return out;
  }
  dispatch(in, [&](auto z) {
    using T = decltype(z);
    using Acc = std::conditional_t<std::is_floating_point_v<T>, double, uint64_t>;
    dispatch(out_t, [&](auto oz) {
      using O = decltype(oz);
      O* po = out.data<O>();
      const double scale = 1.0 / static_cast<double>(g.n);
      fold<T, Acc>(
          a.data<T>(), g, [](T x) { return static_cast<Acc>(x); },
          [](Acc& acc, T x, int64_t) { acc += static_cast<Acc>(x); },
          [&](Acc acc, int64_t j) {
            if (average) {
              double v = std::is_floating_point_v<Acc> ? static_cast<double>(acc)
                                                       : static_cast<double>(static_cast<int64_t>(acc));
              po[j] = static_cast<O>(v * scale);
            } else if constexpr (std::is_floating_point_v<Acc>) {
              po[j] = static_cast<O>(acc);
            } else {
              po[j] = static_cast<O>(static_cast<int64_t>(acc));
            }
          });
    });
  });
  return out;
}

template <class T> bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) return x != x;
  else return false;
}

// max/min keep the dtype and, like numpy, return NaN if any element is NaN.
template <bool kMax> Array extreme_impl(const Array& a, int axis, bool keepdims) {
  const Geometry g = geometry(a, axis, keepdims);
  if (g.n == 0)
    throw ValueError(std::string("zero-size array to reduction operation ") +
                     (kMax ? "maximum" : "minimum") + " which has no identity");
  Array out = Array::empty(g.out, a.dtype());
  dispatch(a.dtype(), [&](auto z) {
    using T = decltype(z);
    T* po = out.data<T>();
    fold<T, T>(
        a.data<T>(), g, [](T x) { return x; },
        [](T& acc, T x, int64_t) {
          if (is_nan(acc)) return;
          if (is_nan(x) || (kMax ? acc < x : x < acc)) acc = x;
        },
        [&](T acc, int64_t j) { po[j] = acc; });
  });
  return out;
}

// Index of the first extreme element (the first NaN if any, as numpy).
template <bool kMax> Array arg_impl(const Array& a, int axis) {
  const Geometry g = geometry(a, axis, false);
  if (g.n == 0)
    throw ValueError(std::string("attempt to get ") + (kMax ? "argmax" : "argmin") +
                     " of an empty sequence");
  Array out = Array::empty(g.out, int64);
  int64_t* po = out.data<int64_t>();
  dispatch(a.dtype(), [&](auto z) {
    using T = decltype(z);
    struct Best {
      T v;
      int64_t k;
    };
    fold<T, Best>(
        a.data<T>(), g, [](T x) { return Best{x, 0}; },
        [](Best& b, T x, int64_t k) {
          if (is_nan(b.v)) return;
          if (is_nan(x) || (kMax ? b.v < x : x < b.v)) b = Best{x, k};
        },
        [&](Best b, int64_t j) { po[j] = b.k; });
  });
  return out;
}

}  // namespace

Array sum(const Array& a, int axis, bool keepdims) { return sum_impl(a, axis, keepdims, false); }
Array mean(const Array& a, int axis, bool keepdims) { return sum_impl(a, axis, keepdims, true); }
Array max(const Array& a, int axis, bool keepdims) { return extreme_impl<true>(a, axis, keepdims); }
Array min(const Array& a, int axis, bool keepdims) { return extreme_impl<false>(a, axis, keepdims); }
Array argmax(const Array& a, int axis) { return arg_impl<true>(a, axis); }
Array argmin(const Array& a, int axis) { return arg_impl<false>(a, axis); }

bool array_equal(const Array& a, const Array& b) {
  if (a.shape() != b.shape()) return false;
  const Array eq = a == b;
  const bool* p = eq.data<bool>();
  for (int64_t i = 0; i < eq.size(); ++i)
    if (!p[i]) return false;
  return true;
}

// numpy's isclose: |a - b| <= atol + rtol * |b| (not symmetric), infinities
// equal only to themselves, NaN never close.
bool allclose(const Array& a, const Array& b, double rtol, double atol) {
  Array close = Array::empty(broadcast_shapes(a.shape(), b.shape()), bool_);
  const Array da = a.dtype() == float64 ? a : a.astype(float64);
  const Array db = b.dtype() == float64 ? b : b.astype(float64);
  binary_loop<double, double, bool>(da, db, close, [=](double x, double y) {
    if (x == y) return true;
    if (!std::isfinite(x) || !std::isfinite(y)) return false;
    return std::fabs(x - y) <= atol + rtol * std::fabs(y);
  });
  const bool* p = close.data<bool>();
  for (int64_t i = 0; i < close.size(); ++i)
    if (!p[i]) return false;
  return true;
}

Array concatenate(const std::vector<Array>& arrays, int axis) {
  if (arrays.empty()) throw ValueError("need at least one array to concatenate");
  const Array& first = arrays[0];
  if (first.ndim() == 0) throw ValueError("zero-dimensional arrays cannot be concatenated");
  const int nd = first.ndim();
  const int ax = normalize_axis(axis, nd);
  Shape shape = first.shape();
  shape[ax] = 0;
  DType t = first.dtype();
  for (size_t i = 0; i < arrays.size(); ++i) {
    const Array& x = arrays[i];
    if (x.ndim() != nd)
      throw ValueError("all the input arrays must have same number of dimensions, but the array at "
                       "index 0 has " + std::to_string(nd) + " dimension(s) and the array at index " +
                       std::to_string(i) + " has " + std::to_string(x.ndim()) + " dimension(s)");
    for (int d = 0; d < nd; ++d)
      if (d != ax && x.shape()[d] != first.shape()[d])
        throw ValueError("all the input array dimensions except for the concatenation axis must "
                         "match exactly, but along dimension " + std::to_string(d) +
                         ", the array at index 0 has size " + std::to_string(first.shape()[d]) +
                         " and the array at index " + std::to_string(i) + " has size " +
                         std::to_string(x.shape()[d]));
    shape[ax] += x.shape()[ax];
    t = promote_types(t, x.dtype());
  }
  Array out = Array::empty(shape, t);
  // Each input contributes one contiguous chunk of shape[ax:] per outer index.
  int64_t outer = 1;
  for (int d = 0; d < ax; ++d) outer *= shape[d];
  const size_t out_row = outer ? out.nbytes() / static_cast<size_t>(outer) : 0;
  char* dst = static_cast<char*>(out.raw_data());
  size_t col = 0;
  for (const Array& x : arrays) {
    const Array cx = x.dtype() == t ? x : x.astype(t);
    const size_t chunk = outer ? cx.nbytes() / static_cast<size_t>(outer) : 0;
    const char* src = static_cast<const char*>(cx.raw_data());
    for (int64_t o = 0; o < outer && chunk; ++o)
      std::memcpy(dst + o * out_row + col, src + o * chunk, chunk);
    col += chunk;
  }
  return out;
}

}  // namespace np
