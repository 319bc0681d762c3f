// Variable ops. A variable's value lives in the Session (kernels reach it
// through SessionState); assignments take the variable by reference.
#include "keraspp/ops/state_ops.h"

#include "state_ops_schema.h"

namespace tf {

namespace {

KPP_REGISTER_OP(OpDef{
    .name = "VariableV2",
    .outputs = {"ref: Ref(dtype)"},
    .attrs = {"shape: shape", "dtype: type"},
    .shape_fn = [](InferenceContext& c) {
      c.set_output(0, c.attr<DType>("dtype"), c.attr<TensorShape>("shape"));
    },
    .differentiable = false,
    .stateful = true,
    .is_variable = true,
});

void assign_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  const bool validate = !c.has_attr("validate_shape") || c.attr<bool>("validate_shape");
  const TensorShape &a = c.input_shapes[0], &b = c.input_shapes[1];
  if (validate && a.has_rank() && b.has_rank()) {
    // TF's merge error texts: rank first, then the first differing dimension.
    if (a.rank() != b.rank())
      throw ShapeError("Shapes must be equal rank, but are " + std::to_string(a.rank()) + " and " +
                       std::to_string(b.rank()));
    for (int i = 0; i < a.rank(); ++i)
      if (a.dim(i) >= 0 && b.dim(i) >= 0 && a.dim(i) != b.dim(i))
        throw ShapeError("Dimension " + std::to_string(i) + " in both shapes must be equal, but are " +
                         std::to_string(a.dim(i)) + " and " + std::to_string(b.dim(i)) +
                         ". Shapes are " + a.debug_str() + " and " + b.debug_str() + ".");
  }
  c.set_output(0, c.input_dtypes[0], validate ? a.merge_with(b) : b);
}

// ref = value (+ or - for AssignAdd/AssignSub); the output is the variable.
#define KPP_ASSIGN_OP(NAME, ...)                                                        \
  KPP_REGISTER_OP(OpDef{.name = NAME,                                                   \
                        .inputs = schema::kAssign.specs(),                              \
                        .outputs = {"output_ref: Ref(T)"},                              \
                        .attrs = {"T: type", __VA_ARGS__},                              \
                        .shape_fn = assign_shape,                                       \
                        .differentiable = false,                                        \
                        .stateful = true})
KPP_ASSIGN_OP("Assign", "validate_shape: bool = true", "use_locking: bool = true");
KPP_ASSIGN_OP("AssignAdd", "use_locking: bool = false");
KPP_ASSIGN_OP("AssignSub", "use_locking: bool = false");
#undef KPP_ASSIGN_OP
KPP_REGISTER_OP(OpDef{
    .name = "IsVariableInitialized",
    .inputs = schema::kIsVariableInitialized.specs(),
    .outputs = {"is_initialized: bool"},
    .attrs = {"dtype: type"},
    .shape_fn = [](InferenceContext& c) { c.set_output(0, bool_, TensorShape::scalar()); },
    .differentiable = false,
    .stateful = true,
});

void require_variable(const Tensor& ref, const std::string& op) {
  if (ref.op().type() != "VariableV2")
    throw keraspp::TypeError("'" + op + "' Op requires that input 'ref' be a mutable tensor " +
                             "(e.g.: a tf.Variable), got " + ref.name());
}

}  // namespace

Tensor variable_v2(DType dtype, const TensorShape& shape, const std::string& name) {
  return op_builder::create1("VariableV2", {}, {{"dtype", dtype}, {"shape", shape}},
                             name.empty() ? "Variable" : name);
}

Tensor assign(const Tensor& ref, const TensorLike& value, bool validate_shape,
              const std::string& name) {
  require_variable(ref, "Assign");
  return op_builder::create1("Assign", {ref, value.to_tensor(ref.dtype())},
                             {{"validate_shape", validate_shape}}, name);
}

Tensor assign_add(const Tensor& ref, const TensorLike& value, const std::string& name) {
  require_variable(ref, "AssignAdd");
  return op_builder::create1("AssignAdd", {ref, value.to_tensor(ref.dtype())}, {}, name);
}

Tensor assign_sub(const Tensor& ref, const TensorLike& value, const std::string& name) {
  require_variable(ref, "AssignSub");
  return op_builder::create1("AssignSub", {ref, value.to_tensor(ref.dtype())}, {}, name);
}

Tensor is_variable_initialized(const Tensor& ref, const std::string& name) {
  require_variable(ref, "IsVariableInitialized");
  return op_builder::create1("IsVariableInitialized", {ref}, {}, name);
}

}  // namespace tf
