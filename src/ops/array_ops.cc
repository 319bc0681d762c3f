// Array ops that move or name data: Placeholder, PlaceholderWithDefault,
// Const, Identity, StopGradient, NoOp. Definition, shape fn, gradient, builder.
#include "keraspp/ops/array_ops.h"

#include "array_ops_schema.h"

namespace tf {

namespace {

void placeholder_shape(InferenceContext& c) {
  c.set_output(0, c.attr<DType>("dtype"), c.attr<TensorShape>("shape"));
}

KPP_REGISTER_OP(OpDef{.name = "Placeholder",
                      .outputs = {"output: dtype"},
                      .attrs = {"dtype: type", "shape: shape"},
                      .shape_fn = placeholder_shape,
                      .differentiable = false});

KPP_REGISTER_OP(OpDef{
    .name = "PlaceholderWithDefault",
    .inputs = schema::kPlaceholderWithDefault.specs(),
    .outputs = {"output: dtype"},
    .attrs = {"dtype: type", "shape: shape"},
    .shape_fn =
        [](InferenceContext& c) {
          const TensorShape& s = c.attr<TensorShape>("shape");
          if (!s.is_compatible_with(c.input_shapes[0]))
            throw ShapeError("default value shape " + c.input_shapes[0].debug_str() +
                             " is not compatible with shape " + s.debug_str());
          c.set_output(0, c.input_dtypes[0], s);
        },
    // The default value is a constant in practice; pass the gradient through.
    .grad_fn = [](const Operation&, const std::vector<Tensor>& g) { return g; },
    .forwards_input = true,
});

KPP_REGISTER_OP(OpDef{
    .name = "Const",
    .outputs = {"output: dtype"},
    .attrs = {"value: tensor", "dtype: type"},
    .shape_fn =
        [](InferenceContext& c) {
          const auto& v = c.attr<np::Array>("value");
          c.set_output(0, v.dtype(), TensorShape(v.shape()));
        },
    .differentiable = false,
    .is_constant = true,
});

KPP_REGISTER_OP(OpDef{
    .name = "Identity",
    .inputs = schema::kIdentity.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: type"},
    .shape_fn = shape_fns::unchanged,
    .grad_fn = [](const Operation&, const std::vector<Tensor>& g) { return g; },
    .forwards_input = true,
});

KPP_REGISTER_OP(OpDef{.name = "StopGradient",
                      .inputs = schema::kIdentity.specs(),
                      .outputs = {"output: T"},
                      .attrs = {"T: type"},
                      .shape_fn = shape_fns::unchanged,
                      .differentiable = false,
                      .forwards_input = true});

KPP_REGISTER_OP(OpDef{.name = "NoOp", .shape_fn = [](InferenceContext&) {},
                      .differentiable = false});

}  // namespace

namespace {
// TF's Dimension: -1 is unknown (None), any other negative value an error.
void check_dims(const TensorShape& shape) {
  for (int64_t d : shape.dims())
    if (d < -1) throw keraspp::ValueError("Dimension " + std::to_string(d) + " must be >= 0");
}
}  // namespace

Tensor placeholder(DType dtype, const TensorShape& shape, const std::string& name) {
  check_dims(shape);
  return op_builder::create1("Placeholder", {}, {{"dtype", dtype}, {"shape", shape}},
                             name.empty() ? "Placeholder" : name);
}

Tensor placeholder_with_default(const TensorLike& input, const TensorShape& shape,
                                const std::string& name) {
  check_dims(shape);
  Tensor in = input.to_tensor();
  return op_builder::create1("PlaceholderWithDefault", {in}, {{"shape", shape}}, name);
}

Tensor constant(const np::Array& value, const std::string& name) {
  // The graph keeps its own copy: later changes to `value` must not leak in.
  return op_builder::create1("Const", {}, {{"value", value.copy()}, {"dtype", value.dtype()}},
                             name.empty() ? "Const" : name);
}

Tensor constant(const np::Array& value, DType dtype, const std::string& name) {
  return constant(value.astype(dtype), name);
}

Tensor constant(double value, DType dtype, const std::string& name) {
  return constant(np::Array::scalar(value).astype(dtype), name);
}

Tensor identity(const Tensor& x, const std::string& name) {
  return op_builder::create1("Identity", {x}, {}, name);
}

Tensor stop_gradient(const Tensor& x, const std::string& name) {
  return op_builder::create1("StopGradient", {x}, {}, name);
}

Operation no_op(const std::string& name) { return op_builder::create("NoOp", {}, {}, name); }

Operation group(const std::vector<Operation>& inputs, const std::string& name) {
  control_dependencies deps(inputs);
  return no_op(name.empty() ? "group_deps" : name);
}

}  // namespace tf
