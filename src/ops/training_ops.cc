// Training ops: fused in-place optimizer updates. The leading inputs are the
// variable and its slots (ref inputs), one input is the gradient, the rest are
// scalar hyper-parameters; the output is the updated var. No gradients flow.
#include "keraspp/ops/training_ops.h"

namespace tf {

namespace {

// One training op's signature: its inputs in TF's order, how many leading
// inputs are variables, and which input is the gradient.
struct ApplySignature {
  const char* op;
  std::vector<const char*> inputs;
  int num_refs;
  int grad;
};

const ApplySignature kGradientDescent{"ApplyGradientDescent", {"var", "alpha", "delta"}, 1, 2};
const ApplySignature kMomentum{"ApplyMomentum", {"var", "accum", "lr", "grad", "momentum"}, 2, 3};
const ApplySignature kAdagrad{"ApplyAdagrad", {"var", "accum", "lr", "grad"}, 2, 3};
const ApplySignature kAdam{"ApplyAdam",
                           {"var", "m", "v", "beta1_power", "beta2_power", "lr", "beta1", "beta2",
                            "epsilon", "grad"},
                           3, 9};
const ApplySignature kRMSProp{
    "ApplyRMSProp", {"var", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"}, 3, 7};
const ApplySignature kCenteredRMSProp{
    "ApplyCenteredRMSProp",
    {"var", "mg", "ms", "mom", "lr", "rho", "momentum", "epsilon", "grad"}, 4, 8};
const ApplySignature kAdadelta{
    "ApplyAdadelta", {"var", "accum", "accum_update", "lr", "rho", "epsilon", "grad"}, 3, 6};

std::string merge_error(const TensorShape& a, const TensorShape& b) {
  if (a.rank() != b.rank())
    return "Shapes must be equal rank, but are " + std::to_string(a.rank()) + " and " +
           std::to_string(b.rank());
  for (int d = 0; d < a.rank(); ++d)
    if (a.dim(d) >= 0 && b.dim(d) >= 0 && a.dim(d) != b.dim(d))
      return "Dimension " + std::to_string(d) + " in both shapes must be equal, but are " +
             std::to_string(a.dim(d)) + " and " + std::to_string(b.dim(d)) + ". Shapes are " +
             a.debug_str() + " and " + b.debug_str() + ".";
  return "Shapes " + a.debug_str() + " and " + b.debug_str() + " are incompatible";
}

// var, slots and grad: one shape; hyper-parameters: scalars; all one dtype.
// Output 0: the updated var.
void apply_shape(InferenceContext& c, const ApplySignature& sig) {
  shape_fns::require_same_dtypes(c);
  TensorShape s = c.input_shapes[0];
  auto merge = [&](size_t i) {
    const TensorShape& other = c.input_shapes[i];
    if (!s.is_compatible_with(other)) throw ShapeError(merge_error(s, other));
    s = s.merge_with(other);
  };
  for (int i = 1; i < sig.num_refs; ++i) merge(static_cast<size_t>(i));
  merge(static_cast<size_t>(sig.grad));
  for (int i = sig.num_refs; i < c.num_inputs(); ++i) {
    if (i == sig.grad) continue;
    const TensorShape& h = c.input_shapes[static_cast<size_t>(i)];
    if (h.has_rank() && h.rank() != 0)
      throw ShapeError("Shape must be rank 0 but is rank " + std::to_string(h.rank()));
  }
  c.set_output(0, c.input_dtypes[0], s);
}

OpDef apply_def(const ApplySignature& sig) {
  std::vector<int> refs;
  for (int i = 0; i < sig.num_refs; ++i) refs.push_back(i);
  return OpDef{
      .name = sig.op,
      .shape_fn = [&sig](InferenceContext& c) { apply_shape(c, sig); },
      .grad_fn = nullptr,
      .differentiable = false,
      .stateful = true,
      .ref_inputs = refs,
  };
}

KPP_REGISTER_OP(apply_def(kGradientDescent));
KPP_REGISTER_OP(apply_def(kMomentum));
KPP_REGISTER_OP(apply_def(kAdagrad));
KPP_REGISTER_OP(apply_def(kAdam));
KPP_REGISTER_OP(apply_def(kRMSProp));
KPP_REGISTER_OP(apply_def(kCenteredRMSProp));
KPP_REGISTER_OP(apply_def(kAdadelta));

// Checks the ref inputs are variables (TF's wording) and builds the op.
Tensor build(const ApplySignature& sig, const std::vector<Tensor>& inputs, AttrMap attrs,
             const std::string& name) {
  for (int i = 0; i < sig.num_refs; ++i) {
    const Tensor& t = inputs[static_cast<size_t>(i)];
    if (!t || t.op().type() != "VariableV2")
      throw keraspp::TypeError(std::string("'") + sig.op + "' Op requires that input '" +
                               sig.inputs[static_cast<size_t>(i)] +
                               "' be a mutable tensor (e.g.: a tf.Variable), got " +
                               (t ? t.name() : std::string("None")));
  }
  return op_builder::create1(sig.op, inputs, std::move(attrs), name);
}

}  // namespace

Tensor apply_gradient_descent(const Tensor& var, const Tensor& alpha, const Tensor& delta,
                              const std::string& name) {
  return build(kGradientDescent, {var, alpha, delta}, {}, name);
}

Tensor apply_momentum(const Tensor& var, const Tensor& accum, const Tensor& lr,
                      const Tensor& grad, const Tensor& momentum, bool use_nesterov,
                      const std::string& name) {
  return build(kMomentum, {var, accum, lr, grad, momentum}, {{"use_nesterov", use_nesterov}},
               name);
}

Tensor apply_adagrad(const Tensor& var, const Tensor& accum, const Tensor& lr, const Tensor& grad,
                     const std::string& name) {
  return build(kAdagrad, {var, accum, lr, grad}, {}, name);
}

Tensor apply_adam(const Tensor& var, const Tensor& m, const Tensor& v, const Tensor& beta1_power,
                  const Tensor& beta2_power, const Tensor& lr, const Tensor& beta1,
                  const Tensor& beta2, const Tensor& epsilon, const Tensor& grad,
                  const std::string& name) {
  return build(kAdam, {var, m, v, beta1_power, beta2_power, lr, beta1, beta2, epsilon, grad}, {},
               name);
}

Tensor apply_rms_prop(const Tensor& var, const Tensor& ms, const Tensor& mom, const Tensor& lr,
                      const Tensor& rho, const Tensor& momentum, const Tensor& epsilon,
                      const Tensor& grad, const std::string& name) {
  return build(kRMSProp, {var, ms, mom, lr, rho, momentum, epsilon, grad}, {}, name);
}

Tensor apply_centered_rms_prop(const Tensor& var, const Tensor& mg, const Tensor& ms,
                               const Tensor& mom, const Tensor& lr, const Tensor& rho,
                               const Tensor& momentum, const Tensor& epsilon, const Tensor& grad,
                               const std::string& name) {
  return build(kCenteredRMSProp, {var, mg, ms, mom, lr, rho, momentum, epsilon, grad}, {}, name);
}

Tensor apply_adadelta(const Tensor& var, const Tensor& accum, const Tensor& accum_update,
                      const Tensor& lr, const Tensor& rho, const Tensor& epsilon,
                      const Tensor& grad, const std::string& name) {
  return build(kAdadelta, {var, accum, accum_update, lr, rho, epsilon, grad}, {}, name);
}

}  // namespace tf
