// CPU kernels of the fused Keras optimizer updates: one pass over each
// parameter, updating it and its accumulators in place (the same arithmetic
// as Keras 2.0.2's chain of tensor ops, element by element).
#include <algorithm>
#include <array>
#include <cmath>

#include "../../ops/keras_training_ops_schema.h"
#include "fused_update.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

// The value of ref input i, initialized and shaped like the gradient.
template <class T>
const np::Array& ref_value(KernelContext& ctx, int i, const fused::Gradient<T>& grad) {
  const Node& var = ctx.input_node(i);
  const np::Array* value = ctx.variable(var.id);
  if (!value)
    throw errors::FailedPreconditionError("Attempting to use uninitialized value " + var.name);
  if (!grad.has_shape(value->shape()))
    throw errors::InvalidArgumentError("var and grad do not have the same shape" +
                                       np::shape_str(value->shape()) + " " +
                                       np::shape_str(grad.shape()) + " for '" + ctx.op_name() + "'");
  return *value;
}

// Every update takes the parameter first, then its accumulators
// (keras_training_ops_schema.h): refs [0, N).
constexpr int kParam = schema::kKerasSGDUpdate.index("p");
static_assert(kParam == schema::kKerasRMSpropUpdate.index("p") &&
              kParam == schema::kKerasAdagradUpdate.index("p") &&
              kParam == schema::kKerasAdadeltaUpdate.index("p") &&
              kParam == schema::kKerasAdamUpdate.index("p") &&
              kParam == schema::kKerasAdamaxUpdate.index("p") &&
              kParam == schema::kKerasNadamUpdate.index("p"));

// Scalar input i as T (indices from keras_training_ops_schema.h).
template <class T> T scalar(KernelContext& ctx, int i) {
  const np::Array& a = ctx.input(i);
  if (a.size() != 1)
    throw errors::InvalidArgumentError("Expected a scalar hyper-parameter for input " +
                                       std::to_string(i) + " of '" + ctx.op_name() + "', got shape " +
                                       np::shape_str(a.shape()));
  return static_cast<T>(a.get_flat(0));
}

// Runs step(g, p, slots...) on every element (fused::for_each_element): refs
// [0, N) are the parameter and its accumulators, the gradient is input
// `grad_input` (or the product fused in its place). The output is the
// updated parameter.
template <class T, int N, class Step>
void run_update(KernelContext& ctx, int grad_input, const Step& step) {
  const fused::Gradient<T> grad = fused::gradient<T>(ctx, grad_input);
  std::array<T*, N> slots;
  for (int r = 0; r < N; ++r) slots[r] = ref_value(ctx, r, grad).template data<T>();
  fused::for_each_element(grad, step, slots);
  ctx.set_output(0, *ctx.variable(ctx.input_node(kParam).id));
}

// Each step's formula is in its comment; the code spells every fused
// multiply-add as std::fma (see fused_update.h), with 1-rho etc. in T.

// v = mom*m - lr*g; m = v; p = p + v, or with nesterov p = p + mom*v - lr*g.
template <class T> void sgd(KernelContext& ctx) {
  constexpr auto& in = schema::kKerasSGDUpdate;
  const T lr = scalar<T>(ctx, in.index("lr"));
  const T mom = scalar<T>(ctx, in.index("momentum"));
  // Two loops rather than a branch per element.
  if (ctx.attr<bool>("nesterov")) {
    run_update<T, 2>(ctx, in.index("grad"), [=](T g, T& p, T& m) {
      const T v = std::fma(mom, m, -(lr * g));
      m = v;
      p = std::fma(-lr, g, std::fma(mom, v, p));
    });
  } else {
    run_update<T, 2>(ctx, in.index("grad"), [=](T g, T& p, T& m) {
      const T v = std::fma(mom, m, -(lr * g));
      m = v;
      p = p + v;
    });
  }
}

// a = rho*a + (1-rho)*g*g; p -= lr*g / (sqrt(a) + eps).
template <class T> void rmsprop(KernelContext& ctx) {
  constexpr auto& in = schema::kKerasRMSpropUpdate;
  const T lr = scalar<T>(ctx, in.index("lr"));
  const T rho = scalar<T>(ctx, in.index("rho"));
  const T eps = scalar<T>(ctx, in.index("epsilon"));
  run_update<T, 2>(ctx, in.index("grad"), [=](T g, T& p, T& acc) {
    const T a = std::fma(rho, acc, (T(1) - rho) * g * g);
    acc = a;
    p -= lr * g / (std::sqrt(a) + eps);
  });
}

// a = a + g*g; p -= lr*g / (sqrt(a) + eps).
template <class T> void adagrad(KernelContext& ctx) {
  constexpr auto& in = schema::kKerasAdagradUpdate;
  const T lr = scalar<T>(ctx, in.index("lr"));
  const T eps = scalar<T>(ctx, in.index("epsilon"));
  run_update<T, 2>(ctx, in.index("grad"), [=](T g, T& p, T& acc) {
    const T a = std::fma(g, g, acc);
    acc = a;
    p -= lr * g / (std::sqrt(a) + eps);
  });
}

// a = rho*a + (1-rho)*g*g; u = g*sqrt(d + eps) / sqrt(a + eps); p -= lr*u;
// d = rho*d + (1-rho)*u*u.
template <class T> void adadelta(KernelContext& ctx) {
  constexpr auto& in = schema::kKerasAdadeltaUpdate;
  const T lr = scalar<T>(ctx, in.index("lr"));
  const T rho = scalar<T>(ctx, in.index("rho"));
  const T eps = scalar<T>(ctx, in.index("epsilon"));
  run_update<T, 3>(ctx, in.index("grad"), [=](T g, T& p, T& acc, T& delta) {
    const T a = std::fma(rho, acc, (T(1) - rho) * g * g);
    acc = a;
    const T u = g * std::sqrt(delta + eps) / std::sqrt(a + eps);
    p = std::fma(-lr, u, p);
    delta = std::fma(rho, delta, (T(1) - rho) * u * u);
  });
}

// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g; p -= lr_t*m / (sqrt(v) + eps).
template <class T> void adam(KernelContext& ctx) {
  constexpr auto& in = schema::kKerasAdamUpdate;
  const T lr_t = scalar<T>(ctx, in.index("lr_t"));
  const T b1 = scalar<T>(ctx, in.index("beta_1"));
  const T b2 = scalar<T>(ctx, in.index("beta_2"));
  const T eps = scalar<T>(ctx, in.index("epsilon"));
  run_update<T, 3>(ctx, in.index("grad"), [=](T g, T& p, T& m_acc, T& v_acc) {
    const T m = std::fma(b1, m_acc, (T(1) - b1) * g);
    const T v = std::fma(b2, v_acc, (T(1) - b2) * g * g);
    m_acc = m;
    v_acc = v;
    p -= lr_t * m / (std::sqrt(v) + eps);
  });
}

// m = b1*m + (1-b1)*g; u = max(b2*u, |g|); p -= lr_t*m / (u + eps).
template <class T> void adamax(KernelContext& ctx) {
  constexpr auto& in = schema::kKerasAdamaxUpdate;
  const T lr_t = scalar<T>(ctx, in.index("lr_t"));
  const T b1 = scalar<T>(ctx, in.index("beta_1"));
  const T b2 = scalar<T>(ctx, in.index("beta_2"));
  const T eps = scalar<T>(ctx, in.index("epsilon"));
  run_update<T, 3>(ctx, in.index("grad"), [=](T g, T& p, T& m_acc, T& u_acc) {
    const T m = std::fma(b1, m_acc, (T(1) - b1) * g);
    const T u = std::max(b2 * u_acc, std::abs(g));
    m_acc = m;
    u_acc = u;
    p -= lr_t * m / (u + eps);
  });
}

// g' = g*g_scale; m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g*g;
// m_bar = (1-mu_t)*g' + mu_t1*(m*m_scale); p -= lr*m_bar / (sqrt(v*v_scale) + eps).
template <class T> void nadam(KernelContext& ctx) {
  constexpr auto& in = schema::kKerasNadamUpdate;
  const T lr = scalar<T>(ctx, in.index("lr"));
  const T b1 = scalar<T>(ctx, in.index("beta_1"));
  const T b2 = scalar<T>(ctx, in.index("beta_2"));
  const T eps = scalar<T>(ctx, in.index("epsilon"));
  const T g_scale = scalar<T>(ctx, in.index("g_scale"));
  const T m_scale = scalar<T>(ctx, in.index("m_scale"));
  const T v_scale = scalar<T>(ctx, in.index("v_scale"));
  const T mu_t = scalar<T>(ctx, in.index("mu_t"));
  const T mu_t1 = scalar<T>(ctx, in.index("mu_t1"));
  run_update<T, 3>(ctx, in.index("grad"), [=](T g, T& p, T& m_acc, T& v_acc) {
    const T g_prime = g * g_scale;
    const T m = std::fma(b1, m_acc, (T(1) - b1) * g);
    const T v = std::fma(b2, v_acc, (T(1) - b2) * g * g);
    m_acc = m;
    v_acc = v;
    const T m_bar = std::fma(T(1) - mu_t, g_prime, mu_t1 * (m * m_scale));
    p -= lr * m_bar / (std::sqrt(v * v_scale) + eps);
  });
}

template <class T> void register_dtype() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  // Each float32 kernel also runs the op fused with its gradient's MatMul
  // (OpDef::gradient_product), reading the gradient through fused::gradient.
  auto add = [&r, t](const char* op, KernelFn fn) {
    if (t == float32) r.add(gradient_product_op(op), "CPU", t, fn);
    r.add(op, "CPU", t, std::move(fn));
  };
  add("KerasSGDUpdate", sgd<T>);
  add("KerasRMSpropUpdate", rmsprop<T>);
  add("KerasAdagradUpdate", adagrad<T>);
  add("KerasAdadeltaUpdate", adadelta<T>);
  add("KerasAdamUpdate", adam<T>);
  add("KerasAdamaxUpdate", adamax<T>);
  add("KerasNadamUpdate", nadam<T>);
}

const bool registered = [] {
  register_dtype<float>();
  register_dtype<double>();
  return true;
}();

}  // namespace
}  // namespace tf::kernels
