// Training ops: fused in-place optimizer updates. Inputs that are variables
// (var and slots) are ref inputs; the output is the updated var.
#include "keraspp/ops/training_ops.h"

namespace tf {

namespace {

// Checks every ref input matches var's shape and scalar hyper-parameters.
void apply_shape(InferenceContext& c, int num_refs) {
  for (int i = 1; i < num_refs; ++i)
    if (!c.input_shapes[0].is_compatible_with(c.input_shapes[static_cast<size_t>(i)]))
      throw ShapeError("Shapes must be equal, but are " + c.input_shapes[0].debug_str() + " and " +
                       c.input_shapes[static_cast<size_t>(i)].debug_str());
  for (int i = num_refs; i < c.num_inputs() - 1; ++i) {
    const TensorShape& s = c.input_shapes[static_cast<size_t>(i)];
    if (s.has_rank() && s.rank() != 0)
      throw ShapeError("Shape must be rank 0 but is rank " + std::to_string(s.rank()));
  }
  const TensorShape& grad = c.input_shapes.back();
  if (!c.input_shapes[0].is_compatible_with(grad))
    throw ShapeError("Shapes must be equal rank, but are " + c.input_shapes[0].debug_str() +
                     " and " + grad.debug_str());
  c.set_output(0, c.input_dtypes[0], c.input_shapes[0]);
}

KPP_REGISTER_OP(OpDef{
    .name = "ApplyGradientDescent",
    .shape_fn = [](InferenceContext& c) { apply_shape(c, 1); },
    .differentiable = false,
    .stateful = true,
    .ref_inputs = {0},
});

void require_variable(const Tensor& t, const char* op) {
  if (t.op().type() != "VariableV2")
    throw keraspp::TypeError(std::string("'") + op + "' Op requires that input 'var' be a " +
                             "mutable tensor (e.g.: a tf.Variable), got " + t.name());
}

}  // namespace

Tensor apply_gradient_descent(const Tensor& var, const Tensor& alpha, const Tensor& delta,
                              const std::string& name) {
  require_variable(var, "ApplyGradientDescent");
  return op_builder::create1("ApplyGradientDescent", {var, alpha, delta}, {}, name);
}

}  // namespace tf
