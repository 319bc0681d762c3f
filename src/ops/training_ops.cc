// Training ops: fused in-place optimizer updates. The leading inputs are the
// variable and its slots (ref inputs), one input is the gradient, the rest are
// scalar hyper-parameters; the output is the updated var. No gradients flow.
#include "keraspp/ops/training_ops.h"

#include "training_ops_schema.h"

namespace tf {

namespace {

// One training op: its name, inputs (training_ops_schema.h), the input the
// gradient is (which a fused MatMul product may replace) and extra attrs.
struct ApplyOp {
  const char* op;
  std::vector<std::string> inputs;
  const char* grad;
  std::vector<std::string> attrs = {};
};

const ApplyOp kGradientDescent{"ApplyGradientDescent", schema::kApplyGradientDescent.specs(), "delta"};
const ApplyOp kMomentum{"ApplyMomentum", schema::kApplyMomentum.specs(), "grad",
                        {"use_nesterov: bool = false"}};
const ApplyOp kAdagrad{"ApplyAdagrad", schema::kApplyAdagrad.specs(), "grad"};
const ApplyOp kAdam{"ApplyAdam", schema::kApplyAdam.specs(), "grad"};
const ApplyOp kRMSProp{"ApplyRMSProp", schema::kApplyRMSProp.specs(), "grad"};
const ApplyOp kCenteredRMSProp{"ApplyCenteredRMSProp", schema::kApplyCenteredRMSProp.specs(), "grad"};
const ApplyOp kAdadelta{"ApplyAdadelta", schema::kApplyAdadelta.specs(), "grad"};

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
void apply_shape(InferenceContext& c, const OpDef& def) {
  shape_fns::require_same_dtypes(c);
  const int num_refs = static_cast<int>(def.ref_inputs.size());
  const int grad = def.gradient_product_input;
  TensorShape s = c.input_shapes[0];
  auto merge = [&](size_t i) {
    const TensorShape& other = c.input_shapes[i];
    if (!s.is_compatible_with(other)) throw ShapeError(merge_error(s, other));
    s = s.merge_with(other);
  };
  for (int i = 1; i < num_refs; ++i) merge(static_cast<size_t>(i));
  merge(static_cast<size_t>(grad));
  for (int i = num_refs; i < c.num_inputs(); ++i) {
    if (i == grad) continue;
    const TensorShape& h = c.input_shapes[static_cast<size_t>(i)];
    if (h.has_rank() && h.rank() != 0)
      throw ShapeError("Shape must be rank 0 but is rank " + std::to_string(h.rank()));
  }
  c.set_output(0, c.input_dtypes[0], s);
}

OpDef apply_def(const ApplyOp& op) {
  std::vector<std::string> attrs{"T: {float, double}", "use_locking: bool = false"};
  attrs.insert(attrs.end(), op.attrs.begin(), op.attrs.end());
  return OpDef{
      .name = op.op,
      .inputs = op.inputs,
      .outputs = {"out: Ref(T)"},
      .attrs = attrs,
      .shape_fn = [name = op.op](InferenceContext& c) {
        apply_shape(c, OpRegistry::global().lookup(name));
      },
      .grad_fn = nullptr,
      .differentiable = false,
      .stateful = true,
      .gradient_product = op.grad,
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
Tensor build(const ApplyOp& op, const std::vector<Tensor>& inputs, AttrMap attrs,
             const std::string& name) {
  const OpDef& def = OpRegistry::global().lookup(op.op);
  for (int i : def.ref_inputs) {
    const Tensor& t = inputs[static_cast<size_t>(i)];
    if (!t || !t.op().op_def().is_variable)
      throw keraspp::TypeError(std::string("'") + op.op + "' Op requires that input '" +
                               def.input_args[static_cast<size_t>(i)].name +
                               "' be a mutable tensor (e.g.: a tf.Variable), got " +
                               (t ? t.name() : std::string("None")));
  }
  return op_builder::create1(op.op, inputs, std::move(attrs), name);
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
