// CPU kernels of the unary elementwise ops (in place when the input dies here).
#include <cmath>

#include "../../ops/math_unary_schema.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

template <class T, class F> KernelFn unary(F f) {
  return [f](KernelContext& ctx) {
    constexpr int kX = schema::kUnary.index("x");
    const np::Array& x = ctx.input(kX);
    np::Array& out = ctx.forward_input_or_allocate(kX, 0, x.shape(), x.dtype());
    np::unary_loop(x.data<T>(), out.data<T>(), x.size(), f);
  };
}

template <class T> void register_float() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  r.add("Neg", "CPU", t, unary<T>([](T v) { return -v; }));
  r.add("Exp", "CPU", t, unary<T>([](T v) { return std::exp(v); }));
  r.add("Log", "CPU", t, unary<T>([](T v) { return std::log(v); }));
  r.add("Sqrt", "CPU", t, unary<T>([](T v) { return std::sqrt(v); }));
  r.add("Rsqrt", "CPU", t, unary<T>([](T v) { return T(1) / std::sqrt(v); }));
  r.add("Square", "CPU", t, unary<T>([](T v) { return v * v; }));
  r.add("Abs", "CPU", t, unary<T>([](T v) { return std::abs(v); }));
  r.add("Sign", "CPU", t, unary<T>([](T v) { return T((v > 0) - (v < 0)); }));
  r.add("Reciprocal", "CPU", t, unary<T>([](T v) { return T(1) / v; }));
  // Written so exp never overflows for large |v|.
  r.add("Sigmoid", "CPU", t, unary<T>([](T v) {
          return v >= 0 ? T(1) / (T(1) + std::exp(-v)) : std::exp(v) / (T(1) + std::exp(v));
        }));
  r.add("Tanh", "CPU", t, unary<T>([](T v) { return std::tanh(v); }));
}

template <class T> void register_int() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  r.add("Neg", "CPU", t, unary<T>([](T v) { return static_cast<T>(-v); }));
  r.add("Square", "CPU", t, unary<T>([](T v) { return static_cast<T>(v * v); }));
  r.add("Abs", "CPU", t, unary<T>([](T v) { return v < 0 ? static_cast<T>(-v) : v; }));
  r.add("Sign", "CPU", t, unary<T>([](T v) { return static_cast<T>((v > 0) - (v < 0)); }));
}

const bool registered = [] {
  register_float<float>();
  register_float<double>();
  register_int<int32_t>();
  register_int<int64_t>();
  return true;
}();

}  // namespace
}  // namespace tf::kernels
