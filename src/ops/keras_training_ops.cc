// Keras optimizer update ops: one fused, in-place op per parameter step (the
// parameter and its accumulators are ref inputs). No gradients flow through
// them; their conformance cases check one step against the formula.
#include "keraspp/ops/keras_training_ops.h"

#include "keras_training_ops_schema.h"

namespace tf {

namespace {

// Checks refs [0, num_refs) share p's shape, the scalars in between are
// rank 0 and the gradient (last input) matches p.
void update_shape(InferenceContext& c, int num_refs) {
  const TensorShape& p = c.input_shapes[0];
  for (int i = 1; i < num_refs; ++i)
    if (!p.is_compatible_with(c.input_shapes[static_cast<size_t>(i)]))
      throw ShapeError("Shapes must be equal, but are " + p.debug_str() + " and " +
                       c.input_shapes[static_cast<size_t>(i)].debug_str());
  for (int i = num_refs; i < c.num_inputs() - 1; ++i) {
    const TensorShape& s = c.input_shapes[static_cast<size_t>(i)];
    if (s.has_rank() && s.rank() != 0)
      throw ShapeError("Shape must be rank 0 but is rank " + std::to_string(s.rank()));
  }
  for (int i = 1; i < c.num_inputs(); ++i)
    if (c.input_dtypes[static_cast<size_t>(i)] != c.input_dtypes[0])
      throw ShapeError("Input " + std::to_string(i) + " has dtype " +
                       np::dtype_name(c.input_dtypes[static_cast<size_t>(i)]) +
                       " incompatible with the variable's " + np::dtype_name(c.input_dtypes[0]));
  const TensorShape& grad = c.input_shapes.back();
  if (!p.is_compatible_with(grad))
    throw ShapeError("Shapes must be equal, but are " + p.debug_str() + " and " + grad.debug_str());
  c.set_output(0, c.input_dtypes[0], p);
}

int num_refs(const char* op) {
  return static_cast<int>(OpRegistry::global().lookup(op).ref_inputs.size());
}

// Inputs from keras_training_ops_schema.h; the gradient may be a fused
// MatMul product (OpDef::gradient_product).
#define KPP_KERAS_UPDATE_OP(NAME, ...)                                                   \
  KPP_REGISTER_OP(OpDef{.name = #NAME,                                                   \
                        .inputs = schema::k##NAME.specs(),                               \
                        .outputs = {"out: Ref(T)"},                                      \
                        .attrs = {"T: {float, double}" __VA_OPT__(,) __VA_ARGS__},                   \
                        .shape_fn = [](InferenceContext& c) {                            \
                          update_shape(c, num_refs(#NAME));                              \
                        },                                                               \
                        .differentiable = false,                                         \
                        .stateful = true,                                                \
                        .gradient_product = "grad"})

KPP_KERAS_UPDATE_OP(KerasSGDUpdate, "nesterov: bool = false");
KPP_KERAS_UPDATE_OP(KerasRMSpropUpdate);
KPP_KERAS_UPDATE_OP(KerasAdagradUpdate);
KPP_KERAS_UPDATE_OP(KerasAdadeltaUpdate);
KPP_KERAS_UPDATE_OP(KerasAdamUpdate);
KPP_KERAS_UPDATE_OP(KerasAdamaxUpdate);
KPP_KERAS_UPDATE_OP(KerasNadamUpdate);
#undef KPP_KERAS_UPDATE_OP

void require_variables(const std::vector<Tensor>& refs, const char* op) {
  for (const Tensor& t : refs)
    if (!t.op().op_def().is_variable)
      throw keraspp::TypeError(std::string("'") + op + "' Op requires that its variable inputs " +
                               "be mutable tensors (e.g.: a tf.Variable), got " + t.name());
}

Tensor update(const char* op, const std::vector<Tensor>& refs, std::vector<Tensor> scalars,
              const Tensor& grad, AttrMap attrs, const std::string& name) {
  require_variables(refs, op);
  std::vector<Tensor> inputs = refs;
  inputs.insert(inputs.end(), scalars.begin(), scalars.end());
  inputs.push_back(grad);
  return op_builder::create1(op, inputs, std::move(attrs), name);
}

}  // namespace

Tensor keras_sgd_update(const Tensor& p, const Tensor& m, const Tensor& lr, const Tensor& momentum,
                        const Tensor& grad, bool nesterov, const std::string& name) {
  return update("KerasSGDUpdate", {p, m}, {lr, momentum}, grad, {{"nesterov", nesterov}}, name);
}

Tensor keras_rmsprop_update(const Tensor& p, const Tensor& a, const Tensor& lr, const Tensor& rho,
                            const Tensor& epsilon, const Tensor& grad, const std::string& name) {
  return update("KerasRMSpropUpdate", {p, a}, {lr, rho, epsilon}, grad, {}, name);
}

Tensor keras_adagrad_update(const Tensor& p, const Tensor& a, const Tensor& lr,
                            const Tensor& epsilon, const Tensor& grad, const std::string& name) {
  return update("KerasAdagradUpdate", {p, a}, {lr, epsilon}, grad, {}, name);
}

Tensor keras_adadelta_update(const Tensor& p, const Tensor& a, const Tensor& d, const Tensor& lr,
                             const Tensor& rho, const Tensor& epsilon, const Tensor& grad,
                             const std::string& name) {
  return update("KerasAdadeltaUpdate", {p, a, d}, {lr, rho, epsilon}, grad, {}, name);
}

Tensor keras_adam_update(const Tensor& p, const Tensor& m, const Tensor& v, const Tensor& lr_t,
                         const Tensor& beta_1, const Tensor& beta_2, const Tensor& epsilon,
                         const Tensor& grad, const std::string& name) {
  return update("KerasAdamUpdate", {p, m, v}, {lr_t, beta_1, beta_2, epsilon}, grad, {}, name);
}

Tensor keras_adamax_update(const Tensor& p, const Tensor& m, const Tensor& u, const Tensor& lr_t,
                           const Tensor& beta_1, const Tensor& beta_2, const Tensor& epsilon,
                           const Tensor& grad, const std::string& name) {
  return update("KerasAdamaxUpdate", {p, m, u}, {lr_t, beta_1, beta_2, epsilon}, grad, {}, name);
}

Tensor keras_nadam_update(const Tensor& p, const Tensor& m, const Tensor& v,
                          const NadamScalars& s, const Tensor& grad, const std::string& name) {
  return update("KerasNadamUpdate", {p, m, v},
                {s.lr, s.beta_1, s.beta_2, s.epsilon, s.g_scale, s.m_scale, s.v_scale, s.mu_t,
                 s.mu_t1},
                grad, {}, name);
}

}  // namespace tf
