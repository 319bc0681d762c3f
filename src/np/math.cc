// Elementwise np:: arithmetic, comparisons and math functions with numpy's
// broadcasting and dtype rules. Every loop goes through binary_loop /
// unary_loop (broadcast.h) so the fast paths live in one place.
#include <cmath>
#include <type_traits>

#include "keraspp/np/array.h"
#include "keraspp/np/broadcast.h"

namespace np {

namespace {

// numpy's broadcast error prints shapes without spaces: "(2,3) (4,) ".
std::string compact_shape(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(s[i]);
  }
  if (s.size() == 1) out += ",";
  return out + ")";
}

// Signed overflow is undefined in C++ but wraps in numpy: do signed integer
// arithmetic in the unsigned type of the same width.
template <class T, bool = std::is_integral_v<T> && !std::is_same_v<T, bool>> struct WideOf {
  using type = T;
};
template <class T> struct WideOf<T, true> {
  using type = std::make_unsigned_t<T>;
};
template <class T> using Wide = typename WideOf<T>::type;
template <class T> T wrap_add(T x, T y) {
  if constexpr (std::is_same_v<T, bool>) return x || y;  // numpy: bool + bool is logical or
  else return static_cast<T>(static_cast<Wide<T>>(x) + static_cast<Wide<T>>(y));
}
template <class T> T wrap_sub(T x, T y) {
  return static_cast<T>(static_cast<Wide<T>>(x) - static_cast<Wide<T>>(y));
}
template <class T> T wrap_mul(T x, T y) {
  if constexpr (std::is_same_v<T, bool>) return x && y;  // numpy: bool * bool is logical and
  else if constexpr (std::is_integral_v<T>)
    // Multiply in at least unsigned int so uint8/uint16 do not promote to signed int.
    return static_cast<T>(static_cast<Wide<T>>(static_cast<uint64_t>(static_cast<Wide<T>>(x)) *
                                               static_cast<uint64_t>(static_cast<Wide<T>>(y))));
  else return x * y;
}
template <class T> T wrap_neg(T x) { return static_cast<T>(Wide<T>(0) - static_cast<Wide<T>>(x)); }

bool is_integral_value(double s) { return std::isfinite(s) && s == std::trunc(s); }

// `a` converted to `t` (shares the buffer when it already has that dtype).
Array as(const Array& a, DType t) { return a.dtype() == t ? a : a.astype(t); }

// A 0-d array of dtype t holding s. Integer targets go through int64 so a
// negative scalar wraps into uint8 as numpy does (double -> unsigned is UB).
Array scalar_of(double s, DType t) {
  Array out = Array::empty({}, t);
  dispatch(t, [&](auto z) {
    using T = decltype(z);
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
      *out.data<T>() = static_cast<T>(static_cast<int64_t>(s));
    else
      *out.data<T>() = static_cast<T>(s);
  });
  return out;
}

// Result dtype of `array op python_scalar`: the array's dtype unless the scalar
// does not fit its kind (a fractional value with an integer array -> float64;
// any integer with a bool array -> int64), as numpy treats Python scalars.
DType scalar_result(DType a, double s) {
  if (is_floating(a)) return a;
  if (!is_integral_value(s)) return float64;
  return a == bool_ ? int64 : a;
}

// out[i] = f(a[i], b[i]) with both operands converted to T and out of dtype O.
// The types are template arguments, not dispatched here: callers already
// dispatch on T, and a nested dispatch over (T, O) inside theirs instantiated
// binary_loop 6^3 times per comparison where 6 are ever run (that made this
// file take ~10 CPU-minutes under ASan + UBSan).
template <class T, class O, class F> Array same_type_op(const Array& a, const Array& b, F f) {
  Array out = Array::empty(broadcast_shapes(a.shape(), b.shape()), dtype_v<O>);
  const Array ca = as(a, dtype_v<T>), cb = as(b, dtype_v<T>);
  binary_loop<T, T, O>(ca, cb, out, [&](T x, T y) { return static_cast<O>(f(x, y)); });
  return out;
}

enum class Arith { add, sub, mul, div };

[[noreturn]] void throw_bool_subtract() {
  throw TypeError(
      "numpy boolean subtract, the `-` operator, is not supported, use the bitwise_xor, the `^` "
      "operator, or the logical_xor function instead.");
}

// a op b computed in dtype t (already the promoted result dtype).
Array arith(const Array& a, const Array& b, DType t, Arith op) {
  if (op == Arith::div && !is_floating(t)) t = float64;  // true division of ints
  if (op == Arith::sub && t == bool_) throw_bool_subtract();
  Array out = Array::empty(broadcast_shapes(a.shape(), b.shape()), t);
  const Array ca = as(a, t), cb = as(b, t);
  dispatch(t, [&](auto z) {
    using T = decltype(z);
    switch (op) {
      case Arith::add: binary_loop<T, T, T>(ca, cb, out, [](T x, T y) { return wrap_add(x, y); }); break;
      case Arith::sub:
        if constexpr (!std::is_same_v<T, bool>)
          binary_loop<T, T, T>(ca, cb, out, [](T x, T y) { return wrap_sub(x, y); });
        break;
      case Arith::mul: binary_loop<T, T, T>(ca, cb, out, [](T x, T y) { return wrap_mul(x, y); }); break;
      case Arith::div:
        if constexpr (std::is_floating_point_v<T>)
          binary_loop<T, T, T>(ca, cb, out, [](T x, T y) { return x / y; });
        break;
    }
  });
  return out;
}

Array arith_scalar(const Array& a, double s, Arith op, bool scalar_first) {
  const DType t = scalar_result(a.dtype(), s);
  const Array sa = scalar_of(s, t);
  return scalar_first ? arith(sa, a, t, op) : arith(a, sa, t, op);
}

enum class Cmp { eq, ne, lt, le, gt, ge };

Array compare(const Array& a, const Array& b, Cmp c) {
  const DType t = promote_types(a.dtype(), b.dtype());
  return dispatch(t, [&](auto z) {
    using T = decltype(z);
    auto run = [&](auto f) { return same_type_op<T, bool>(a, b, f); };
    switch (c) {
      case Cmp::eq: return run([](T x, T y) { return x == y; });
      case Cmp::ne: return run([](T x, T y) { return x != y; });
      case Cmp::lt: return run([](T x, T y) { return x < y; });
      case Cmp::le: return run([](T x, T y) { return x <= y; });
      case Cmp::gt: return run([](T x, T y) { return x > y; });
      case Cmp::ge: break;
    }
    return run([](T x, T y) { return x >= y; });
  });
}

// Comparing with a Python scalar: float arrays compare in their own dtype
// (numpy casts the scalar down), others in int64 or float64 as the value needs.
Array compare_scalar(const Array& a, double s, Cmp c) {
  DType t = is_floating(a.dtype()) ? a.dtype() : (is_integral_value(s) ? int64 : float64);
  return compare(a, scalar_of(s, t), c);
}

// dtype of sqrt/exp/log: floats keep theirs; uint8 and bool give float32
// (numpy gives float16, which np:: lacks); wider ints give float64.
DType float_result(DType t) {
  if (is_floating(t)) return t;
  return (t == uint8 || t == bool_) ? float32 : float64;
}

template <class F> Array float_unary(const Array& a, F f) {
  const DType t = float_result(a.dtype());
  const Array ca = as(a, t);
  Array out = Array::empty(a.shape(), t);
  dispatch(t, [&](auto z) {
    using T = decltype(z);
    if constexpr (std::is_floating_point_v<T>)
      unary_loop(ca.data<T>(), out.data<T>(), a.size(), [&](T x) { return static_cast<T>(f(x)); });
  });
  return out;
}

// numpy's maximum/minimum propagate NaN from either side.
template <bool kMax> Array extremum(const Array& a, const Array& b) {
  const DType t = promote_types(a.dtype(), b.dtype());
  return dispatch(t, [&](auto z) {
    using T = decltype(z);
    return same_type_op<T, T>(a, b, [](T x, T y) -> T {
      if constexpr (std::is_floating_point_v<T>) {
        if (x != x) return x;
        if (y != y) return y;
      }
      if constexpr (kMax) return x < y ? y : x;
      else return y < x ? y : x;
    });
  });
}

}  // namespace

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t nd = std::max(a.size(), b.size());
  Shape out(nd);
  for (size_t i = 0; i < nd; ++i) {
    // Align from the right; missing leading dimensions count as 1.
    const int64_t da = i < nd - a.size() ? 1 : a[i - (nd - a.size())];
    const int64_t db = i < nd - b.size() ? 1 : b[i - (nd - b.size())];
    if (da == db || db == 1) out[i] = da;
    else if (da == 1) out[i] = db;
    else
      throw ValueError("operands could not be broadcast together with shapes " + compact_shape(a) +
                       " " + compact_shape(b) + " ");
  }
  return out;
}

Array operator+(const Array& a, const Array& b) {
  return arith(a, b, promote_types(a.dtype(), b.dtype()), Arith::add);
}
Array operator-(const Array& a, const Array& b) {
  return arith(a, b, promote_types(a.dtype(), b.dtype()), Arith::sub);
}
Array operator*(const Array& a, const Array& b) {
  return arith(a, b, promote_types(a.dtype(), b.dtype()), Arith::mul);
}
Array operator/(const Array& a, const Array& b) {
  return arith(a, b, promote_types(a.dtype(), b.dtype()), Arith::div);
}

Array operator-(const Array& a) {
  if (a.dtype() == bool_)
    throw TypeError(
        "The numpy boolean negative, the `-` operator, is not supported, use the `~` operator or "
        "the logical_not function instead.");
  Array out = Array::empty(a.shape(), a.dtype());
  dispatch(a.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (!std::is_same_v<T, bool>)
      unary_loop(a.data<T>(), out.data<T>(), a.size(), [](T x) { return wrap_neg(x); });
  });
  return out;
}

Array operator+(const Array& a, double s) { return arith_scalar(a, s, Arith::add, false); }
Array operator-(const Array& a, double s) { return arith_scalar(a, s, Arith::sub, false); }
Array operator*(const Array& a, double s) { return arith_scalar(a, s, Arith::mul, false); }
Array operator/(const Array& a, double s) { return arith_scalar(a, s, Arith::div, false); }
Array operator+(double s, const Array& a) { return arith_scalar(a, s, Arith::add, true); }
Array operator-(double s, const Array& a) { return arith_scalar(a, s, Arith::sub, true); }
Array operator*(double s, const Array& a) { return arith_scalar(a, s, Arith::mul, true); }
Array operator/(double s, const Array& a) { return arith_scalar(a, s, Arith::div, true); }

Array operator==(const Array& a, const Array& b) { return compare(a, b, Cmp::eq); }
Array operator!=(const Array& a, const Array& b) { return compare(a, b, Cmp::ne); }
Array operator<(const Array& a, const Array& b) { return compare(a, b, Cmp::lt); }
Array operator<=(const Array& a, const Array& b) { return compare(a, b, Cmp::le); }
Array operator>(const Array& a, const Array& b) { return compare(a, b, Cmp::gt); }
Array operator>=(const Array& a, const Array& b) { return compare(a, b, Cmp::ge); }
Array operator==(const Array& a, double s) { return compare_scalar(a, s, Cmp::eq); }
Array operator<(const Array& a, double s) { return compare_scalar(a, s, Cmp::lt); }
Array operator>(const Array& a, double s) { return compare_scalar(a, s, Cmp::gt); }

Array sqrt(const Array& a) { return float_unary(a, [](auto x) { return std::sqrt(x); }); }
Array exp(const Array& a) { return float_unary(a, [](auto x) { return std::exp(x); }); }
Array log(const Array& a) { return float_unary(a, [](auto x) { return std::log(x); }); }

// numpy's abs keeps the dtype (ints stay ints; abs(INT_MIN) wraps to itself).
Array abs(const Array& a) {
  Array out = Array::empty(a.shape(), a.dtype());
  dispatch(a.dtype(), [&](auto z) {
    using T = decltype(z);
    unary_loop(a.data<T>(), out.data<T>(), a.size(), [](T x) -> T {
      if constexpr (std::is_floating_point_v<T>) return std::fabs(x);
      else if constexpr (std::is_signed_v<T>) return x < 0 ? wrap_neg(x) : x;
      else return x;
    });
  });
  return out;
}

Array maximum(const Array& a, const Array& b) { return extremum<true>(a, b); }
Array minimum(const Array& a, const Array& b) { return extremum<false>(a, b); }

// numpy: clip(a, lo, hi) == minimum(maximum(a, lo), hi), so lo > hi gives hi.
Array clip(const Array& a, double lo, double hi) {
  DType t = scalar_result(a.dtype(), lo);
  t = promote_types(t, scalar_result(a.dtype(), hi));
  return minimum(maximum(as(a, t), scalar_of(lo, t)), scalar_of(hi, t));
}

Array matmul(const Array& a, const Array& b) {
  const std::string sig = "(n?,k),(k,m?)->(n?,m?)";
  for (int i = 0; i < 2; ++i) {
    const Array& x = i ? b : a;
    if (x.ndim() == 0)
      throw ValueError("matmul: Input operand " + std::to_string(i) +
                       " does not have enough dimensions (has 0, gufunc core with signature " +
                       sig + " requires 1)");
    if (x.ndim() > 2) throw ValueError("matmul: np::matmul supports 1-d and 2-d operands only");
  }
  // numpy promotes a 1-d left operand to a row and a 1-d right one to a
  // column, then drops that dimension from the result.
  const Array a2 = a.ndim() == 1 ? a.reshape({1, a.shape(0)}) : a;
  const Array b2 = b.ndim() == 1 ? b.reshape({b.shape(0), 1}) : b;
  const int64_t n = a2.shape(0), k = a2.shape(1), m = b2.shape(1);
  if (b2.shape(0) != k)
    throw ValueError("matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc "
                     "signature " + sig + " (size " + std::to_string(b2.shape(0)) +
                     " is different from " + std::to_string(k) + ")");
  const DType t = promote_types(a.dtype(), b.dtype());
  const Array ca = as(a2, t), cb = as(b2, t);
  Array out = zeros({n, m}, t);
  dispatch(t, [&](auto z) {
    using T = decltype(z);
    const T* pa = ca.data<T>();
    const T* pb = cb.data<T>();
    T* po = out.data<T>();
    // i-k-j order: the inner loop streams rows of b and out.
#pragma omp parallel for if (n * k * m > kParallelGrain) schedule(static)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t p = 0; p < k; ++p) {
        const T x = pa[i * k + p];
        for (int64_t j = 0; j < m; ++j)
          po[i * m + j] = wrap_add(po[i * m + j], wrap_mul(x, pb[p * m + j]));
      }
  });
  if (a.ndim() == 1 && b.ndim() == 1) return out.reshape({});
  if (a.ndim() == 1) return out.reshape({m});
  if (b.ndim() == 1) return out.reshape({n});
  return out;
}

}  // namespace np
