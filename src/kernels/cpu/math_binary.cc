// CPU kernels of the binary elementwise ops, on np's broadcasting loops.
#include <cmath>
#include <limits>

#include "../../ops/math_binary_schema.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

constexpr int kX = schema::kBinary.index("x"), kY = schema::kBinary.index("y");

np::Shape out_shape(const KernelContext& ctx) {
  try {
    return np::broadcast_shapes(ctx.input(kX).shape(), ctx.input(kY).shape());
  } catch (const keraspp::ValueError&) {
    throw errors::InvalidArgumentError("Incompatible shapes: " +
                                       np::shape_str(ctx.input(kX).shape()) + " vs. " +
                                       np::shape_str(ctx.input(kY).shape()) + " for '" +
                                       ctx.op_name() + "'");
  }
}

// Output of input dtype; may reuse x's (or y's) buffer in place.
template <class T, class F> void arith(KernelContext& ctx, F f) {
  const np::Shape s = out_shape(ctx);
  const int in = ctx.input(kX).shape() == s ? kX : kY;
  np::Array& out = ctx.forward_input_or_allocate(in, 0, s, np::dtype_v<T>);
  np::binary_loop<T, T, T>(ctx.input(kX), ctx.input(kY), out, f);
}

// True if any element of `a` equals v (a branch-free reduction).
template <class T> bool contains(const np::Array& a, T v) {
  const T* p = static_cast<const T*>(a.raw_data());
  int hit = 0;
#pragma omp simd reduction(| : hit)
  for (int64_t i = 0; i < a.size(); ++i) hit |= p[i] == v;
  return hit != 0;
}

// Integer x / y as TF's safe division: InvalidArgument "Integer division by
// zero" instead of SIGFPE, and likewise for min / -1 (the one quotient that
// does not fit). Checked before dividing, so a forwarded x is left intact;
// the exact min / -1 pairing is looked for only when both values occur.
template <class T> void check_integer_division(const KernelContext& ctx) {
  const np::Array& x = ctx.input(kX);
  const np::Array& y = ctx.input(kY);
  const np::Shape s = out_shape(ctx);
  if (np::shape_size(s) == 0) return;
  if (contains<T>(y, T{0})) throw errors::InvalidArgumentError("Integer division by zero");
  constexpr T kMin = std::numeric_limits<T>::min();
  if (!contains<T>(y, T{-1}) || !contains<T>(x, kMin)) return;
  np::Array overflow = np::Array::empty(s, bool_);  // error path only
  np::binary_loop<T, T, bool>(x, y, overflow, [](T a, T b) { return a == kMin && b == T{-1}; });
  if (contains<bool>(overflow, true))
    throw errors::InvalidArgumentError(
        "Integer division overflow: the quotient of the most negative value by -1 is not "
        "representable, in '" + ctx.op_name() + "'");
}

template <class T, class F> void compare(KernelContext& ctx, F f) {
  np::Array& out = ctx.allocate_output(0, out_shape(ctx), bool_);
  np::binary_loop<T, T, bool>(ctx.input(kX), ctx.input(kY), out, f);
}

template <class T> void register_arith() {
  constexpr DType t = np::dtype_v<T>;
  KernelRegistry::global().add("Add", "CPU", t, [](KernelContext& c) {
    arith<T>(c, [](T a, T b) { return static_cast<T>(a + b); });
  });
  KernelRegistry::global().add("Sub", "CPU", t, [](KernelContext& c) {
    arith<T>(c, [](T a, T b) { return static_cast<T>(a - b); });
  });
  KernelRegistry::global().add("Mul", "CPU", t, [](KernelContext& c) {
    arith<T>(c, [](T a, T b) { return static_cast<T>(a * b); });
  });
  KernelRegistry::global().add("RealDiv", "CPU", t, [](KernelContext& c) {
    if constexpr (std::is_integral_v<T>) check_integer_division<T>(c);
    arith<T>(c, [](T a, T b) { return static_cast<T>(a / b); });
  });
  // NaN in, NaN out (numpy's maximum/minimum): `a != a` selects a NaN `a`; a
  // NaN `b` fails the comparison and is selected anyway. One more compare in
  // the vector loop, no branch.
  KernelRegistry::global().add("Maximum", "CPU", t, [](KernelContext& c) {
    arith<T>(c, [](T a, T b) { return a >= b || a != a ? a : b; });
  });
  KernelRegistry::global().add("Minimum", "CPU", t, [](KernelContext& c) {
    arith<T>(c, [](T a, T b) { return a <= b || a != a ? a : b; });
  });
  KernelRegistry::global().add("Pow", "CPU", t, [](KernelContext& c) {
    arith<T>(c, [](T a, T b) { return static_cast<T>(std::pow(a, b)); });
  });
  KernelRegistry::global().add("SquaredDifference", "CPU", t, [](KernelContext& c) {
    arith<T>(c, [](T a, T b) { return static_cast<T>((a - b) * (a - b)); });
  });
}

// Comparison kernels are selected by their bool output, so one kernel per op
// dispatches on the input dtype.
template <class F> KernelFn comparison(F f) {
  return [f](KernelContext& c) {
    np::dispatch(c.input(kX).dtype(), [&](auto tag) {
      using T = decltype(tag);
      compare<T>(c, [f](T a, T b) { return f(a, b); });
    });
  };
}

const bool registered = [] {
  register_arith<float>();
  register_arith<double>();
  register_arith<int32_t>();
  register_arith<int64_t>();
  auto& r = KernelRegistry::global();
  r.add("Equal", "CPU", std::nullopt, comparison([](auto a, auto b) { return a == b; }));
  r.add("NotEqual", "CPU", std::nullopt, comparison([](auto a, auto b) { return a != b; }));
  r.add("Less", "CPU", std::nullopt, comparison([](auto a, auto b) { return a < b; }));
  r.add("LessEqual", "CPU", std::nullopt, comparison([](auto a, auto b) { return a <= b; }));
  r.add("Greater", "CPU", std::nullopt, comparison([](auto a, auto b) { return a > b; }));
  r.add("GreaterEqual", "CPU", std::nullopt, comparison([](auto a, auto b) { return a >= b; }));
  r.add("LogicalAnd", "CPU", bool_, [](KernelContext& c) {
    compare<bool>(c, [](bool a, bool b) { return a && b; });
  });
  return true;
}();

}  // namespace
}  // namespace tf::kernels
