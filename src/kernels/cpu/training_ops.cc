// CPU kernels of the fused optimizer updates: one pass over each variable,
// updating the variable and its slots in place (TF's training op kernels).
// Arithmetic is in the variable's dtype T, as TF's Eigen kernels do it.
#include <array>
#include <cmath>

#include "../../ops/training_ops_schema.h"
#include "fused_update.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

std::string shape_debug(const np::Shape& s) { return TensorShape(s).debug_str(); }

// Every training op takes the variable first, then its slots
// (training_ops_schema.h): refs [0, N).
constexpr int kVar = schema::kApplyGradientDescent.index("var");
static_assert(kVar == schema::kApplyMomentum.index("var") && kVar == schema::kApplyAdagrad.index("var") &&
              kVar == schema::kApplyAdam.index("var") && kVar == schema::kApplyRMSProp.index("var") &&
              kVar == schema::kApplyCenteredRMSProp.index("var") &&
              kVar == schema::kApplyAdadelta.index("var"));

// The value of ref input i ("var", "accum", ...): initialized and shaped like
// the gradient (TF's "var and accum do not have the same shape" otherwise).
template <class T>
T* ref_data(KernelContext& ctx, int i, std::string_view what, const fused::Gradient<T>& grad) {
  const Node& node = ctx.input_node(i);
  const np::Array* value = ctx.variable(node.id);
  if (!value)
    throw errors::FailedPreconditionError("Attempting to use uninitialized value " + node.name);
  const np::Shape& shape = value->shape();
  if (i != kVar) {
    const np::Shape& var_shape = ctx.variable(ctx.input_node(kVar).id)->shape();
    if (shape != var_shape)
      throw errors::InvalidArgumentError("var and " + std::string(what) +
                                         " do not have the same shape" + shape_debug(var_shape) +
                                         " " + shape_debug(shape) + " for '" + ctx.op_name() + "'");
  }
  if (i == kVar && !grad.has_shape(shape))
    throw errors::InvalidArgumentError("var and grad do not have the same shape" +
                                       shape_debug(shape) + " " + shape_debug(grad.shape()) +
                                       " for '" + ctx.op_name() + "'");
  return value->data<T>();
}

// Hyper-parameter input i of the op's inputs `in`, which must be a scalar.
template <class T, size_t M> T scalar(const KernelContext& ctx, const ArgList<M>& in, int i) {
  const np::Array& a = ctx.input(i);
  if (a.ndim() != 0)
    throw errors::InvalidArgumentError(std::string(in.name_of(in.args[static_cast<size_t>(i)])) +
                                       " is not a scalar: " +
                                       shape_debug(a.shape()) + " for '" + ctx.op_name() + "'");
  return a.data<T>()[0];
}

// The N ref inputs, which TF's training ops take first (the variable, then
// its slots), in input order so the first bad one is the one reported.
template <class T, size_t N, size_t M>
std::array<T*, N> refs(KernelContext& ctx, const ArgList<M>& in, const fused::Gradient<T>& grad) {
  std::array<T*, N> s;
  for (size_t i = 0; i < N; ++i) s[i] = ref_data<T>(ctx, static_cast<int>(i), in.name_of(in.args[i]), grad);
  return s;
}

// Runs step(g, var, slots...) on every element (fused::for_each_element);
// the updated variable is the op's output (aliasing the variable).
template <class T, size_t N, class Step>
void update(KernelContext& ctx, const fused::Gradient<T>& grad, const std::array<T*, N>& s,
            const Step& step) {
  fused::for_each_element(grad, step, s);
  ctx.set_output(0, *ctx.variable(ctx.input_node(kVar).id));
}

template <class T> void apply_gradient_descent(KernelContext& ctx) {
  constexpr auto& in = schema::kApplyGradientDescent;
  const auto delta = fused::gradient<T>(ctx, in.index("delta"));
  const auto s = refs<T, 1>(ctx, in, delta);
  const T alpha = scalar<T>(ctx, in, in.index("alpha"));
  update(ctx, delta, s, [=](T d, T& var) { var = std::fma(-alpha, d, var); });
}

template <class T> void apply_momentum(KernelContext& ctx) {
  constexpr auto& in = schema::kApplyMomentum;
  const auto grad = fused::gradient<T>(ctx, in.index("grad"));
  const auto s = refs<T, 2>(ctx, in, grad);
  const T lr = scalar<T>(ctx, in, in.index("lr"));
  const T momentum = scalar<T>(ctx, in, in.index("momentum"));
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

template <class T> void apply_adagrad(KernelContext& ctx) {
  constexpr auto& in = schema::kApplyAdagrad;
  const auto grad = fused::gradient<T>(ctx, in.index("grad"));
  const auto s = refs<T, 2>(ctx, in, grad);
  const T lr = scalar<T>(ctx, in, in.index("lr"));
  update(ctx, grad, s, [=](T g, T& var, T& accum) {
    accum = std::fma(g, g, accum);
    var -= lr * g / std::sqrt(accum);
  });
}

template <class T> void apply_adam(KernelContext& ctx) {
  constexpr auto& in = schema::kApplyAdam;
  const auto grad = fused::gradient<T>(ctx, in.index("grad"));
  const auto s = refs<T, 3>(ctx, in, grad);
  const T beta1_power = scalar<T>(ctx, in, in.index("beta1_power"));
  const T beta2_power = scalar<T>(ctx, in, in.index("beta2_power"));
  const T lr = scalar<T>(ctx, in, in.index("lr"));
  const T beta1 = scalar<T>(ctx, in, in.index("beta1"));
  const T beta2 = scalar<T>(ctx, in, in.index("beta2"));
  const T epsilon = scalar<T>(ctx, in, in.index("epsilon"));
  // The bias correction folded into the step size.
  const T lr_t = lr * std::sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
  update(ctx, grad, s, [=](T g, T& var, T& m, T& v) {
    m = std::fma(g - m, T(1) - beta1, m);
    v = std::fma(std::fma(g, g, -v), T(1) - beta2, v);
    var -= lr_t * m / (std::sqrt(v) + epsilon);
  });
}

template <class T> void apply_rms_prop(KernelContext& ctx) {
  constexpr auto& in = schema::kApplyRMSProp;
  const auto grad = fused::gradient<T>(ctx, in.index("grad"));
  const auto s = refs<T, 3>(ctx, in, grad);
  const T lr = scalar<T>(ctx, in, in.index("lr"));
  const T rho = scalar<T>(ctx, in, in.index("rho"));
  const T momentum = scalar<T>(ctx, in, in.index("momentum"));
  const T epsilon = scalar<T>(ctx, in, in.index("epsilon"));
  update(ctx, grad, s, [=](T g, T& var, T& ms, T& mom) {
    ms = std::fma(std::fma(g, g, -ms), T(1) - rho, ms);
    mom = std::fma(mom, momentum, lr * g / std::sqrt(ms + epsilon));
    var -= mom;
  });
}

template <class T> void apply_centered_rms_prop(KernelContext& ctx) {
  constexpr auto& in = schema::kApplyCenteredRMSProp;
  const auto grad = fused::gradient<T>(ctx, in.index("grad"));
  const auto s = refs<T, 4>(ctx, in, grad);
  const T lr = scalar<T>(ctx, in, in.index("lr"));
  const T rho = scalar<T>(ctx, in, in.index("rho"));
  const T momentum = scalar<T>(ctx, in, in.index("momentum"));
  const T epsilon = scalar<T>(ctx, in, in.index("epsilon"));
  update(ctx, grad, s, [=](T g, T& var, T& mg, T& ms, T& mom) {
    mg = std::fma(g - mg, T(1) - rho, mg);
    ms = std::fma(std::fma(g, g, -ms), T(1) - rho, ms);
    mom = std::fma(mom, momentum, lr * g / std::sqrt(std::fma(-mg, mg, ms) + epsilon));
    var -= mom;
  });
}

template <class T> void apply_adadelta(KernelContext& ctx) {
  constexpr auto& in = schema::kApplyAdadelta;
  const auto grad = fused::gradient<T>(ctx, in.index("grad"));
  const auto s = refs<T, 3>(ctx, in, grad);
  const T lr = scalar<T>(ctx, in, in.index("lr"));
  const T rho = scalar<T>(ctx, in, in.index("rho"));
  const T epsilon = scalar<T>(ctx, in, in.index("epsilon"));
  update(ctx, grad, s, [=](T g, T& var, T& accum, T& accum_update) {
    accum = std::fma(accum, rho, g * g * (T(1) - rho));
    const T step = std::sqrt(accum_update + epsilon) / std::sqrt(accum + epsilon) * g;
    accum_update = std::fma(accum_update, rho, step * step * (T(1) - rho));
    var = std::fma(-step, lr, var);
  });
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  // Each float32 kernel also runs the op fused with its gradient's MatMul
  // (OpDef::gradient_product), reading the gradient through fused::gradient.
  r.add("ApplyGradientDescent", "CPU", float32, apply_gradient_descent<float>);
  r.add("ApplyGradientDescent", "CPU", float64, apply_gradient_descent<double>);
  r.add(gradient_product_op("ApplyGradientDescent"), "CPU", float32, apply_gradient_descent<float>);
  r.add("ApplyMomentum", "CPU", float32, apply_momentum<float>);
  r.add("ApplyMomentum", "CPU", float64, apply_momentum<double>);
  r.add(gradient_product_op("ApplyMomentum"), "CPU", float32, apply_momentum<float>);
  r.add("ApplyAdagrad", "CPU", float32, apply_adagrad<float>);
  r.add("ApplyAdagrad", "CPU", float64, apply_adagrad<double>);
  r.add(gradient_product_op("ApplyAdagrad"), "CPU", float32, apply_adagrad<float>);
  r.add("ApplyAdam", "CPU", float32, apply_adam<float>);
  r.add("ApplyAdam", "CPU", float64, apply_adam<double>);
  r.add(gradient_product_op("ApplyAdam"), "CPU", float32, apply_adam<float>);
  r.add("ApplyRMSProp", "CPU", float32, apply_rms_prop<float>);
  r.add("ApplyRMSProp", "CPU", float64, apply_rms_prop<double>);
  r.add(gradient_product_op("ApplyRMSProp"), "CPU", float32, apply_rms_prop<float>);
  r.add("ApplyCenteredRMSProp", "CPU", float32, apply_centered_rms_prop<float>);
  r.add("ApplyCenteredRMSProp", "CPU", float64, apply_centered_rms_prop<double>);
  r.add(gradient_product_op("ApplyCenteredRMSProp"), "CPU", float32, apply_centered_rms_prop<float>);
  r.add("ApplyAdadelta", "CPU", float32, apply_adadelta<float>);
  r.add("ApplyAdadelta", "CPU", float64, apply_adadelta<double>);
  r.add(gradient_product_op("ApplyAdadelta"), "CPU", float32, apply_adadelta<float>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
