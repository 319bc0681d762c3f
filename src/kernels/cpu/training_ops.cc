// CPU kernels of the fused optimizer updates: one pass over each variable,
// updating the variable and its slots in place (TF's training op kernels).
// Arithmetic is in the variable's dtype T, as TF's Eigen kernels do it.
#include <cmath>

#include "keraspp/kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

std::string shape_debug(const np::Shape& s) { return TensorShape(s).debug_str(); }

// The value of ref input i ("var", "accum", ...): initialized and shaped like
// the gradient (TF's "var and accum do not have the same shape" otherwise).
template <class T>
T* ref_data(KernelContext& ctx, int i, const char* what, const np::Array& grad) {
  auto& vars = ctx.state().variables;
  const Node& node = ctx.input_node(i);
  auto it = vars.find(node.id);
  if (it == vars.end())
    throw errors::FailedPreconditionError("Attempting to use uninitialized value " + node.name);
  const np::Shape& var_shape = vars.find(ctx.input_node(0).id)->second.shape();
  const np::Shape& shape = it->second.shape();
  if (i > 0 && shape != var_shape)
    throw errors::InvalidArgumentError(std::string("var and ") + what +
                                       " do not have the same shape" + shape_debug(var_shape) +
                                       " " + shape_debug(shape) + " for '" + ctx.op_name() + "'");
  if (i == 0 && shape != grad.shape())
    throw errors::InvalidArgumentError("var and grad do not have the same shape" +
                                       shape_debug(shape) + " " + shape_debug(grad.shape()) +
                                       " for '" + ctx.op_name() + "'");
  return it->second.data<T>();
}

// Hyper-parameter input i, which must be a scalar.
template <class T> T scalar(const KernelContext& ctx, int i, const char* what) {
  const np::Array& a = ctx.input(i);
  if (a.ndim() != 0)
    throw errors::InvalidArgumentError(std::string(what) + " is not a scalar: " +
                                       shape_debug(a.shape()) + " for '" + ctx.op_name() + "'");
  return a.data<T>()[0];
}

// The updated variable is the op's output (aliasing the variable).
void output_var(KernelContext& ctx) {
  ctx.set_output(0, ctx.state().variables.find(ctx.input_node(0).id)->second);
}

template <class T> void apply_gradient_descent(KernelContext& ctx) {
  const np::Array& delta = ctx.input(2);
  T* var = ref_data<T>(ctx, 0, "var", delta);
  const T alpha = scalar<T>(ctx, 1, "alpha");
  const T* d = delta.data<T>();
  const int64_t n = delta.size();
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) var[i] -= alpha * d[i];
  output_var(ctx);
}

// Inputs: var, accum, lr, grad, momentum.
template <class T> void apply_momentum(KernelContext& ctx) {
  const np::Array& grad = ctx.input(3);
  T* var = ref_data<T>(ctx, 0, "var", grad);
  T* accum = ref_data<T>(ctx, 1, "accum", grad);
  const T lr = scalar<T>(ctx, 2, "lr");
  const T momentum = scalar<T>(ctx, 4, "momentum");
  const bool nesterov = ctx.has_attr("use_nesterov") && ctx.attr<bool>("use_nesterov");
  const T* g = grad.data<T>();
  const int64_t n = grad.size();
  if (nesterov) {
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const T gi = g[i];
      accum[i] = accum[i] * momentum + gi;
      var[i] -= gi * lr + accum[i] * momentum * lr;
    }
  } else {
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      accum[i] = accum[i] * momentum + g[i];
      var[i] -= lr * accum[i];
    }
  }
  output_var(ctx);
}

// Inputs: var, accum, lr, grad.
template <class T> void apply_adagrad(KernelContext& ctx) {
  const np::Array& grad = ctx.input(3);
  T* var = ref_data<T>(ctx, 0, "var", grad);
  T* accum = ref_data<T>(ctx, 1, "accum", grad);
  const T lr = scalar<T>(ctx, 2, "lr");
  const T* g = grad.data<T>();
  const int64_t n = grad.size();
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    accum[i] += gi * gi;
    var[i] -= lr * gi / std::sqrt(accum[i]);
  }
  output_var(ctx);
}

// Inputs: var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad.
template <class T> void apply_adam(KernelContext& ctx) {
  const np::Array& grad = ctx.input(9);
  T* var = ref_data<T>(ctx, 0, "var", grad);
  T* m = ref_data<T>(ctx, 1, "m", grad);
  T* v = ref_data<T>(ctx, 2, "v", grad);
  const T beta1_power = scalar<T>(ctx, 3, "beta1_power");
  const T beta2_power = scalar<T>(ctx, 4, "beta2_power");
  const T lr = scalar<T>(ctx, 5, "lr");
  const T beta1 = scalar<T>(ctx, 6, "beta1");
  const T beta2 = scalar<T>(ctx, 7, "beta2");
  const T epsilon = scalar<T>(ctx, 8, "epsilon");
  // The bias correction folded into the step size.
  const T lr_t = lr * std::sqrt(T(1) - beta2_power) / (T(1) - beta1_power);
  const T* g = grad.data<T>();
  const int64_t n = grad.size();
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    m[i] += (gi - m[i]) * (T(1) - beta1);
    v[i] += (gi * gi - v[i]) * (T(1) - beta2);
    var[i] -= lr_t * m[i] / (std::sqrt(v[i]) + epsilon);
  }
  output_var(ctx);
}

// Inputs: var, ms, mom, lr, rho, momentum, epsilon, grad.
template <class T> void apply_rms_prop(KernelContext& ctx) {
  const np::Array& grad = ctx.input(7);
  T* var = ref_data<T>(ctx, 0, "var", grad);
  T* ms = ref_data<T>(ctx, 1, "ms", grad);
  T* mom = ref_data<T>(ctx, 2, "mom", grad);
  const T lr = scalar<T>(ctx, 3, "lr");
  const T rho = scalar<T>(ctx, 4, "rho");
  const T momentum = scalar<T>(ctx, 5, "momentum");
  const T epsilon = scalar<T>(ctx, 6, "epsilon");
  const T* g = grad.data<T>();
  const int64_t n = grad.size();
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    ms[i] += (gi * gi - ms[i]) * (T(1) - rho);
    mom[i] = mom[i] * momentum + lr * gi / std::sqrt(ms[i] + epsilon);
    var[i] -= mom[i];
  }
  output_var(ctx);
}

// Inputs: var, mg, ms, mom, lr, rho, momentum, epsilon, grad.
template <class T> void apply_centered_rms_prop(KernelContext& ctx) {
  const np::Array& grad = ctx.input(8);
  T* var = ref_data<T>(ctx, 0, "var", grad);
  T* mg = ref_data<T>(ctx, 1, "mg", grad);
  T* ms = ref_data<T>(ctx, 2, "ms", grad);
  T* mom = ref_data<T>(ctx, 3, "mom", grad);
  const T lr = scalar<T>(ctx, 4, "lr");
  const T rho = scalar<T>(ctx, 5, "rho");
  const T momentum = scalar<T>(ctx, 6, "momentum");
  const T epsilon = scalar<T>(ctx, 7, "epsilon");
  const T* g = grad.data<T>();
  const int64_t n = grad.size();
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    mg[i] += (gi - mg[i]) * (T(1) - rho);
    ms[i] += (gi * gi - ms[i]) * (T(1) - rho);
    mom[i] = mom[i] * momentum + lr * gi / std::sqrt(ms[i] - mg[i] * mg[i] + epsilon);
    var[i] -= mom[i];
  }
  output_var(ctx);
}

// Inputs: var, accum, accum_update, lr, rho, epsilon, grad.
template <class T> void apply_adadelta(KernelContext& ctx) {
  const np::Array& grad = ctx.input(6);
  T* var = ref_data<T>(ctx, 0, "var", grad);
  T* accum = ref_data<T>(ctx, 1, "accum", grad);
  T* accum_update = ref_data<T>(ctx, 2, "accum_update", grad);
  const T lr = scalar<T>(ctx, 3, "lr");
  const T rho = scalar<T>(ctx, 4, "rho");
  const T epsilon = scalar<T>(ctx, 5, "epsilon");
  const T* g = grad.data<T>();
  const int64_t n = grad.size();
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    accum[i] = accum[i] * rho + gi * gi * (T(1) - rho);
    const T update = std::sqrt(accum_update[i] + epsilon) / std::sqrt(accum[i] + epsilon) * gi;
    accum_update[i] = accum_update[i] * rho + update * update * (T(1) - rho);
    var[i] -= update * lr;
  }
  output_var(ctx);
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
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
