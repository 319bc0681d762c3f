// CPU kernels of the fused Keras optimizer updates: one pass over each
// parameter, updating it and its accumulators in place (the same arithmetic
// as Keras 2.0.2's chain of tensor ops, element by element).
#include <algorithm>
#include <cmath>

#include "keraspp/kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

// The value of ref input i, initialized and shaped like the gradient.
np::Array& ref_value(KernelContext& ctx, int i, const np::Shape& expect) {
  auto& vars = ctx.state().variables;
  const Node& var = ctx.input_node(i);
  auto it = vars.find(var.id);
  if (it == vars.end())
    throw errors::FailedPreconditionError("Attempting to use uninitialized value " + var.name);
  if (it->second.shape() != expect)
    throw errors::InvalidArgumentError("var and grad do not have the same shape" +
                                       np::shape_str(it->second.shape()) + " " +
                                       np::shape_str(expect) + " for '" + ctx.op_name() + "'");
  return it->second;
}

// Scalar input i as T.
template <class T> T scalar(KernelContext& ctx, int i) {
  const np::Array& a = ctx.input(i);
  if (a.size() != 1)
    throw errors::InvalidArgumentError("Expected a scalar hyper-parameter for input " +
                                       std::to_string(i) + " of '" + ctx.op_name() + "', got shape " +
                                       np::shape_str(a.shape()));
  return static_cast<T>(a.get_flat(0));
}

// Runs f(i) over the parameter's elements; refs [0, num_refs) are resolved
// into `slots` (slots[0] = p) and the gradient is the last input.
template <class T, int N, class F> void run_update(KernelContext& ctx, F f) {
  const np::Array& grad = ctx.input(ctx.num_inputs() - 1);
  T* slots[N];
  for (int r = 0; r < N; ++r) slots[r] = ref_value(ctx, r, grad.shape()).template data<T>();
  const T* g = grad.data<T>();
  const int64_t n = grad.size();
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) f(slots, g, i);
  ctx.set_output(0, ctx.state().variables.at(ctx.input_node(0).id));
}

template <class T> void sgd(KernelContext& ctx) {
  const T lr = scalar<T>(ctx, 2), mom = scalar<T>(ctx, 3);
  const bool nesterov = ctx.attr<bool>("nesterov");
  run_update<T, 2>(ctx, [=](T* const* s, const T* g, int64_t i) {
    const T v = mom * s[1][i] - lr * g[i];
    s[1][i] = v;
    s[0][i] = nesterov ? s[0][i] + mom * v - lr * g[i] : s[0][i] + v;
  });
}

template <class T> void rmsprop(KernelContext& ctx) {
  const T lr = scalar<T>(ctx, 2), rho = scalar<T>(ctx, 3), eps = scalar<T>(ctx, 4);
  run_update<T, 2>(ctx, [=](T* const* s, const T* g, int64_t i) {
    const T a = rho * s[1][i] + (T(1) - rho) * g[i] * g[i];
    s[1][i] = a;
    s[0][i] -= lr * g[i] / (std::sqrt(a) + eps);
  });
}

template <class T> void adagrad(KernelContext& ctx) {
  const T lr = scalar<T>(ctx, 2), eps = scalar<T>(ctx, 3);
  run_update<T, 2>(ctx, [=](T* const* s, const T* g, int64_t i) {
    const T a = s[1][i] + g[i] * g[i];
    s[1][i] = a;
    s[0][i] -= lr * g[i] / (std::sqrt(a) + eps);
  });
}

template <class T> void adadelta(KernelContext& ctx) {
  const T lr = scalar<T>(ctx, 3), rho = scalar<T>(ctx, 4), eps = scalar<T>(ctx, 5);
  run_update<T, 3>(ctx, [=](T* const* s, const T* g, int64_t i) {
    const T a = rho * s[1][i] + (T(1) - rho) * g[i] * g[i];
    s[1][i] = a;
    const T u = g[i] * std::sqrt(s[2][i] + eps) / std::sqrt(a + eps);
    s[0][i] -= lr * u;
    s[2][i] = rho * s[2][i] + (T(1) - rho) * u * u;
  });
}

template <class T> void adam(KernelContext& ctx) {
  const T lr_t = scalar<T>(ctx, 3), b1 = scalar<T>(ctx, 4), b2 = scalar<T>(ctx, 5),
          eps = scalar<T>(ctx, 6);
  run_update<T, 3>(ctx, [=](T* const* s, const T* g, int64_t i) {
    const T m = b1 * s[1][i] + (T(1) - b1) * g[i];
    const T v = b2 * s[2][i] + (T(1) - b2) * g[i] * g[i];
    s[1][i] = m;
    s[2][i] = v;
    s[0][i] -= lr_t * m / (std::sqrt(v) + eps);
  });
}

template <class T> void adamax(KernelContext& ctx) {
  const T lr_t = scalar<T>(ctx, 3), b1 = scalar<T>(ctx, 4), b2 = scalar<T>(ctx, 5),
          eps = scalar<T>(ctx, 6);
  run_update<T, 3>(ctx, [=](T* const* s, const T* g, int64_t i) {
    const T m = b1 * s[1][i] + (T(1) - b1) * g[i];
    const T u = std::max(b2 * s[2][i], std::abs(g[i]));
    s[1][i] = m;
    s[2][i] = u;
    s[0][i] -= lr_t * m / (u + eps);
  });
}

template <class T> void nadam(KernelContext& ctx) {
  const T lr = scalar<T>(ctx, 3), b1 = scalar<T>(ctx, 4), b2 = scalar<T>(ctx, 5),
          eps = scalar<T>(ctx, 6), g_scale = scalar<T>(ctx, 7), m_scale = scalar<T>(ctx, 8),
          v_scale = scalar<T>(ctx, 9), mu_t = scalar<T>(ctx, 10), mu_t1 = scalar<T>(ctx, 11);
  run_update<T, 3>(ctx, [=](T* const* s, const T* g, int64_t i) {
    const T g_prime = g[i] * g_scale;
    const T m = b1 * s[1][i] + (T(1) - b1) * g[i];
    const T v = b2 * s[2][i] + (T(1) - b2) * g[i] * g[i];
    s[1][i] = m;
    s[2][i] = v;
    const T m_bar = (T(1) - mu_t) * g_prime + mu_t1 * (m * m_scale);
    s[0][i] -= lr * m_bar / (std::sqrt(v * v_scale) + eps);
  });
}

template <class T> void register_dtype() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  r.add("KerasSGDUpdate", "CPU", t, sgd<T>);
  r.add("KerasRMSpropUpdate", "CPU", t, rmsprop<T>);
  r.add("KerasAdagradUpdate", "CPU", t, adagrad<T>);
  r.add("KerasAdadeltaUpdate", "CPU", t, adadelta<T>);
  r.add("KerasAdamUpdate", "CPU", t, adam<T>);
  r.add("KerasAdamaxUpdate", "CPU", t, adamax<T>);
  r.add("KerasNadamUpdate", "CPU", t, nadam<T>);
}

const bool registered = [] {
  register_dtype<float>();
  register_dtype<double>();
  return true;
}();

}  // namespace
}  // namespace tf::kernels
