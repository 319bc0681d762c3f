// CPU kernels of the fused optimizer updates: one pass over each variable.
#include "keraspp/kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

// The value of ref input i, checked initialized and shaped like the gradient.
np::Array& ref_value(KernelContext& ctx, int i, const np::Shape& expect) {
  auto& vars = ctx.state().variables;
  const Node& var = ctx.input_node(i);
  auto it = vars.find(var.id);
  if (it == vars.end())
    throw errors::FailedPreconditionError("Attempting to use uninitialized value " + var.name);
  if (it->second.shape() != expect)
    throw errors::InvalidArgumentError(
        "var and grad do not have the same shape" + np::shape_str(it->second.shape()) + " " +
        np::shape_str(expect) + " for '" + ctx.op_name() + "'");
  return it->second;
}

template <class T> void apply_gradient_descent(KernelContext& ctx) {
  const np::Array& delta = ctx.input(2);
  np::Array& var = ref_value(ctx, 0, delta.shape());
  const T alpha = static_cast<T>(ctx.input(1).get_flat(0));
  T* v = var.data<T>();
  const T* d = delta.data<T>();
  const int64_t n = var.size();
#pragma omp parallel for simd if (n > np::kParallelGrain) schedule(static)
  for (int64_t i = 0; i < n; ++i) v[i] -= alpha * d[i];
  ctx.set_output(0, var);
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("ApplyGradientDescent", "CPU", float32, apply_gradient_descent<float>);
  r.add("ApplyGradientDescent", "CPU", float64, apply_gradient_descent<double>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
