// CPU kernels of the activations (in place when the input dies here) and of
// their gradient ops (in place over the incoming gradient).
#include <cmath>

#include "../../ops/nn_activations_schema.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"

namespace tf::kernels {
namespace {

// SELU's constants (Klambauer et al. 2017), as TF's.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
// Namespace-scope constants, usable in the kernels' capture-less lambdas.
template <class T> constexpr T zero = T(0);
template <class T> constexpr T one = T(1);
template <class T> constexpr T six = T(6);
template <class T> constexpr T alpha = static_cast<T>(kSeluAlpha);
template <class T> constexpr T scale = static_cast<T>(kSeluScale);

// features -> f(features), same shape.
template <class T, class F> void run_activation(KernelContext& ctx, F f) {
  const np::Array& x = ctx.input(0);
  np::Array& out = ctx.forward_input_or_allocate(0, 0, x.shape(), x.dtype());
  np::unary_loop(x.data<T>(), out.data<T>(), x.size(), f);
}

// (gradients, x) of one shape -> f(g, x).
template <class T, class F> void run_activation_grad(KernelContext& ctx, F f) {
  const np::Array& g = ctx.input(0);
  const np::Array& x = ctx.input(1);
  if (g.shape() != x.shape())
    throw errors::InvalidArgumentError(
        "Inputs to operation " + ctx.op_name() + " of type " + ctx.node().type +
        " must have the same size and shape.  Input 0: " + np::shape_str(g.shape()) +
        " != input 1: " + np::shape_str(x.shape()));
  np::Array& out = ctx.forward_input_or_allocate(0, 0, g.shape(), g.dtype());
  const T* pg = g.data<T>();
  const T* px = x.data<T>();
  T* po = out.data<T>();
  const int64_t n = g.size();
  np::simd_for(n, [&](int64_t i) { po[i] = f(pg[i], px[i]); });
}

template <class T, class F> KernelFn activation(F f) {
  return [f](KernelContext& ctx) { run_activation<T>(ctx, f); };
}
template <class T, class F> KernelFn activation_grad(F f) {
  return [f](KernelContext& ctx) { run_activation_grad<T>(ctx, f); };
}

// LeakyRelu and its gradient read alpha from the node.
template <class T> void leaky_relu(KernelContext& ctx) {
  const T alpha = static_cast<T>(ctx.attr<double>("alpha"));
  run_activation<T>(ctx, [alpha](T x) { return x > T(0) ? x : alpha * x; });
}
template <class T> void leaky_relu_grad(KernelContext& ctx) {
  const T alpha = static_cast<T>(ctx.attr<double>("alpha"));
  run_activation_grad<T>(ctx, [alpha](T g, T x) { return x > T(0) ? g : alpha * g; });
}

// Relu, Relu6 and their gradients: for floats and integers (TF's realnumbertypes).
template <class T> void register_relus() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  // NaN in, NaN out (TF's max(x, 0)): `x != x` is one more vector compare.
  r.add("Relu", "CPU", t, activation<T>([](T x) { return x > zero<T> || x != x ? x : zero<T>; }));
  r.add("Relu6", "CPU", t, activation<T>([](T x) {
    return x != x ? x : x > zero<T> ? (x < six<T> ? x : six<T>) : zero<T>;
  }));
  r.add("ReluGrad", "CPU", t, activation_grad<T>([](T g, T y) { return y > zero<T> ? g : zero<T>; }));
  r.add("Relu6Grad", "CPU", t, activation_grad<T>([](T g, T x) {
          return x > zero<T> && x < six<T> ? g : zero<T>;
        }));
}

template <class T> void register_for() {
  constexpr DType t = np::dtype_v<T>;
  auto& r = KernelRegistry::global();
  register_relus<T>();
  r.add("Elu", "CPU", t, activation<T>([](T x) { return x > zero<T> ? x : std::expm1(x); }));
  r.add("Selu", "CPU", t, activation<T>([](T x) {
          return x > zero<T> ? scale<T> * x : scale<T> * alpha<T> * std::expm1(x);
        }));
  // log(1 + e^x) without overflow: x + log1p(e^-x) for x > 0.
  r.add("Softplus", "CPU", t, activation<T>([](T x) {
          return x > zero<T> ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
        }));
  
  r.add("LeakyRelu", "CPU", t, leaky_relu<T>);

  // ReluGrad(g, y), EluGrad(g, y), SeluGrad(g, y) read outputs; the others features.
  r.add("EluGrad", "CPU", t, activation_grad<T>([](T g, T y) { return y > zero<T> ? g : g * (y + one<T>); }));
  r.add("SeluGrad", "CPU", t, activation_grad<T>([](T g, T y) {
          return y > zero<T> ? g * scale<T> : g * (y + scale<T> * alpha<T>);
        }));
  r.add("SoftplusGrad", "CPU", t, activation_grad<T>([](T g, T x) {
          return g / (one<T> + std::exp(-x));  // g * sigmoid(x); exp overflow gives 0
        }));
  
  r.add("LeakyReluGrad", "CPU", t, leaky_relu_grad<T>);
}

const bool registered = [] {
  register_for<float>();
  register_for<double>();
  register_relus<int32_t>();
  register_relus<int64_t>();
  register_relus<uint8_t>();
  return true;
}();

// Softsign, added by docs/adding-an-op.md.
template <class T> void softsign(KernelContext& ctx) {
  constexpr int kFeatures = schema::kSoftsign.index("features");
  const np::Array& x = ctx.input(kFeatures);
  np::Array& out = ctx.forward_input_or_allocate(kFeatures, 0, x.shape(), x.dtype());
  np::unary_loop(x.data<T>(), out.data<T>(), x.size(), [](T v) { return v / (T(1) + std::abs(v)); });
}
KPP_REGISTER_KERNEL("Softsign", "CPU", float32, softsign<float>);
KPP_REGISTER_KERNEL("Softsign", "CPU", float64, softsign<double>);

// (gradients, features) of one shape -> gradients / (1 + |features|)^2, in
// place over the gradients when they die here.
template <class T> void softsign_grad(KernelContext& ctx) {
  constexpr int kGradients = schema::kSoftsignGrad.index("gradients");
  constexpr int kFeatures = schema::kSoftsignGrad.index("features");
  const np::Array& g = ctx.input(kGradients);
  const np::Array& x = ctx.input(kFeatures);
  if (g.shape() != x.shape())
    throw errors::InvalidArgumentError(
        "Inputs to operation " + ctx.op_name() + " of type " + ctx.node().type +
        " must have the same size and shape.  Input " + std::to_string(kGradients) + ": " +
        np::shape_str(g.shape()) + " != input " + std::to_string(kFeatures) + ": " +
        np::shape_str(x.shape()));
  np::Array& out = ctx.forward_input_or_allocate(kGradients, 0, g.shape(), g.dtype());
  const T* pg = g.data<T>();
  const T* px = x.data<T>();
  T* po = out.data<T>();
  np::simd_for(g.size(), [&](int64_t i) {
    const T d = T(1) + std::abs(px[i]);
    po[i] = pg[i] / (d * d);
  });
}
KPP_REGISTER_KERNEL("SoftsignGrad", "CPU", float32, softsign_grad<float>);
KPP_REGISTER_KERNEL("SoftsignGrad", "CPU", float64, softsign_grad<double>);

}  // namespace
}  // namespace tf::kernels
