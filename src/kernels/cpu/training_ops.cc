// CPU kernels of the fused optimizer updates: one pass over each variable,
// updating the variable and its slots in place (TF's training op kernels).
// Arithmetic is in the variable's dtype T, as TF's Eigen kernels do it.
#include <array>
#include <cmath>

#include "fused_update.h"
#include "keraspp/kernels/kernel.h"

namespace tf::kernels {
namespace {

std::string shape_debug(const np::Shape& s) { return TensorShape(s).debug_str(); }

// The value of ref input i ("var", "accum", ...): initialized and shaped like
// the gradient (TF's "var and accum do not have the same shape" otherwise).
template <class T>
T* ref_data(KernelContext& ctx, int i, const char* what, const fused::Gradient<T>& grad) {
  const Node& node = ctx.input_node(i);
  const np::Array* value = ctx.variable(node.id);
  if (!value)
    throw errors::FailedPreconditionError("Attempting to use uninitialized value " + node.name);
  const np::Shape& shape = value->shape();
  if (i > 0) {
    const np::Shape& var_shape = ctx.variable(ctx.input_node(0).id)->shape();
    if (shape != var_shape)
      throw errors::InvalidArgumentError(std::string("var and ") + what +
                                         " do not have the same shape" + shape_debug(var_shape) +
                                         " " + shape_debug(shape) + " for '" + ctx.op_name() + "'");
  }
  if (i == 0 && !grad.has_shape(shape))
    throw errors::InvalidArgumentError("var and grad do not have the same shape" +
                                       shape_debug(shape) + " " + shape_debug(grad.shape()) +
                                       " for '" + ctx.op_name() + "'");
  return value->data<T>();
}

// Hyper-parameter input i, which must be a scalar.
template <class T> T scalar(const KernelContext& ctx, int i, const char* what) {
  const np::Array& a = ctx.input(i);
  if (a.ndim() != 0)
    throw errors::InvalidArgumentError(std::string(what) + " is not a scalar: " +
                                       shape_debug(a.shape()) + " for '" + ctx.op_name() + "'");
  return a.data<T>()[0];
}

// The ref inputs [0, N) named `names` (the variable, then its slots), in
// input order so the first bad one is the one reported.
template <class T, size_t N>
std::array<T*, N> refs(KernelContext& ctx, const char* const (&names)[N],
                       const fused::Gradient<T>& grad) {
  std::array<T*, N> s;
  for (size_t i = 0; i < N; ++i) s[i] = ref_data<T>(ctx, static_cast<int>(i), names[i], grad);
  return s;
}

// Runs step(g, var, slots...) on every element (fused::for_each_element);
// the updated variable is the op's output (aliasing the variable).
template <class T, size_t N, class Step>
void update(KernelContext& ctx, const fused::Gradient<T>& grad, const std::array<T*, N>& s,
            const Step& step) {
  fused::for_each_element(grad, step, s);
  ctx.set_output(0, *ctx.variable(ctx.input_node(0).id));
}

// Inputs: var, alpha, delta.
template <class T> void apply_gradient_descent(KernelContext& ctx) {
  const auto delta = fused::gradient<T>(ctx, 2);
  const auto s = refs<T>(ctx, {"var"}, delta);
  const T alpha = scalar<T>(ctx, 1, "alpha");
  update(ctx, delta, s, [=](T d, T& var) { var = std::fma(-alpha, d, var); });
}

// Inputs: var, accum, lr, grad, momentum.
template <class T> void apply_momentum(KernelContext& ctx) {
  const auto grad = fused::gradient<T>(ctx, 3);
  const auto s = refs<T>(ctx, {"var", "accum"}, grad);
  const T lr = scalar<T>(ctx, 2, "lr");
  const T momentum = scalar<T>(ctx, 4, "momentum");
  if (ctx.has_attr("use_nesterov") && ctx.attr<bool>("use_nesterov")) {
    update(ctx, grad, s, [=](T g, T& var, T& accum) {
      accum = std::fma(accum, momentum, g);
      var -= std::fma(g, lr, accum * momentum * lr);
    });
  } else {
    update(ctx, grad, s, [=](T g, T& var, T& accum) {
      accum = std::fma(accum, momentum, g);
      var = std::fma(-lr, accum, var);
    });
  }
}

// Inputs: var, accum, lr, grad.
template <class T> void apply_adagrad(KernelContext& ctx) {
  const auto grad = fused::gradient<T>(ctx, 3);
  const auto s = refs<T>(ctx, {"var", "accum"}, grad);
  const T lr = scalar<T>(ctx, 2, "lr");
  update(ctx, grad, s, [=](T g, T& var, T& accum) {
    accum = std::fma(g, g, accum);
    var -= lr * g / std::sqrt(accum);
  });
}

// Inputs: var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad.
template <class T> void apply_adam(KernelContext& ctx) {
  const auto grad = fused::gradient<T>(ctx, 9);
  const auto s = refs<T>(ctx, {"var", "m", "v"}, grad);
  const T beta1_power = scalar<T>(ctx, 3, "beta1_power");
  const T beta2_power = scalar<T>(ctx, 4, "beta2_power");
  const T lr = scalar<T>(ctx, 5, "lr");
  const T beta1 = scalar<T>(ctx, 6, "beta1");
  const T beta2 = scalar<T>(ctx, 7, "beta2");
  const T epsilon = scalar<T>(ctx, 8, "epsilon");
  // The bias correction folded into the step size.
  const T lr_t = lr * std::sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
  update(ctx, grad, s, [=](T g, T& var, T& m, T& v) {
    m = std::fma(g - m, T(1) - beta1, m);
    v = std::fma(std::fma(g, g, -v), T(1) - beta2, v);
    var -= lr_t * m / (std::sqrt(v) + epsilon);
  });
}

// Inputs: var, ms, mom, lr, rho, momentum, epsilon, grad.
template <class T> void apply_rms_prop(KernelContext& ctx) {
  const auto grad = fused::gradient<T>(ctx, 7);
  const auto s = refs<T>(ctx, {"var", "ms", "mom"}, grad);
  const T lr = scalar<T>(ctx, 3, "lr");
  const T rho = scalar<T>(ctx, 4, "rho");
  const T momentum = scalar<T>(ctx, 5, "momentum");
  const T epsilon = scalar<T>(ctx, 6, "epsilon");
  update(ctx, grad, s, [=](T g, T& var, T& ms, T& mom) {
    ms = std::fma(std::fma(g, g, -ms), T(1) - rho, ms);
    mom = std::fma(mom, momentum, lr * g / std::sqrt(ms + epsilon));
    var -= mom;
  });
}

// Inputs: var, mg, ms, mom, lr, rho, momentum, epsilon, grad.
template <class T> void apply_centered_rms_prop(KernelContext& ctx) {
  const auto grad = fused::gradient<T>(ctx, 8);
  const auto s = refs<T>(ctx, {"var", "mg", "ms", "mom"}, grad);
  const T lr = scalar<T>(ctx, 4, "lr");
  const T rho = scalar<T>(ctx, 5, "rho");
  const T momentum = scalar<T>(ctx, 6, "momentum");
  const T epsilon = scalar<T>(ctx, 7, "epsilon");
  update(ctx, grad, s, [=](T g, T& var, T& mg, T& ms, T& mom) {
    mg = std::fma(g - mg, T(1) - rho, mg);
    ms = std::fma(std::fma(g, g, -ms), T(1) - rho, ms);
    mom = std::fma(mom, momentum, lr * g / std::sqrt(std::fma(-mg, mg, ms) + epsilon));
    var -= mom;
  });
}

// Inputs: var, accum, accum_update, lr, rho, epsilon, grad.
template <class T> void apply_adadelta(KernelContext& ctx) {
  const auto grad = fused::gradient<T>(ctx, 6);
  const auto s = refs<T>(ctx, {"var", "accum", "accum_update"}, grad);
  const T lr = scalar<T>(ctx, 3, "lr");
  const T rho = scalar<T>(ctx, 4, "rho");
  const T epsilon = scalar<T>(ctx, 5, "epsilon");
  update(ctx, grad, s, [=](T g, T& var, T& accum, T& accum_update) {
    accum = std::fma(accum, rho, g * g * (T(1) - rho));
    const T step = std::sqrt(accum_update + epsilon) / std::sqrt(accum + epsilon) * g;
    accum_update = std::fma(accum_update, rho, step * step * (T(1) - rho));
    var = std::fma(-step, lr, var);
  });
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  // Each also takes its gradient as a fused product.
  r.allow_gradient_product("ApplyGradientDescent", 2);
  r.allow_gradient_product("ApplyMomentum", 3);
  for (const char* op : {"ApplyAdagrad", "ApplyAdam", "ApplyRMSProp", "ApplyCenteredRMSProp",
                         "ApplyAdadelta"})
    r.allow_gradient_product(op, -1);
  r.add("ApplyGradientDescent", "CPU", float32, apply_gradient_descent<float>);
  r.add("ApplyGradientDescent", "CPU", float64, apply_gradient_descent<double>);
  r.add("ApplyMomentum", "CPU", float32, apply_momentum<float>);
  r.add("ApplyMomentum", "CPU", float64, apply_momentum<double>);
  r.add("ApplyAdagrad", "CPU", float32, apply_adagrad<float>);
  r.add("ApplyAdagrad", "CPU", float64, apply_adagrad<double>);
  r.add("ApplyAdam", "CPU", float32, apply_adam<float>);
  r.add("ApplyAdam", "CPU", float64, apply_adam<double>);
  r.add("ApplyRMSProp", "CPU", float32, apply_rms_prop<float>);
  r.add("ApplyRMSProp", "CPU", float64, apply_rms_prop<double>);
  r.add("ApplyCenteredRMSProp", "CPU", float32, apply_centered_rms_prop<float>);
  r.add("ApplyCenteredRMSProp", "CPU", float64, apply_centered_rms_prop<double>);
  r.add("ApplyAdadelta", "CPU", float32, apply_adadelta<float>);
  r.add("ApplyAdadelta", "CPU", float64, apply_adadelta<double>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
