// Activation ops: Relu, Relu6, Elu, Selu, Softplus, LeakyRelu, Softsign, and
// their fused gradient ops (ReluGrad, ...), each with its own gradient so
// second derivatives work. Gradient ops take (gradients, features) or
// (gradients, outputs) as TF's do: Relu, Elu and Selu use the outputs, so the
// forward op may overwrite its input in place.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"

#include "nn_activations_schema.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

// The dtypes the activation kernels take: Relu and Relu6 (and their
// gradients) TF's `T: realnumbertypes` as far as Keras++ has them, the others
// `T: {half, float, double}` without half.
constexpr const char* kFloat = "T: {float, double}";
constexpr const char* kRealNumbers = "T: {float, double, int32, int64, uint8}";

// (gradients, x): same dtype and compatible shapes -> gradients' shape.
void activation_grad_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  const TensorShape& a = c.input_shapes[0];
  const TensorShape& b = c.input_shapes[1];
  if (!a.is_compatible_with(b))
    throw ShapeError("Shapes must be equal rank, but are " + std::to_string(a.rank()) + " and " +
                     std::to_string(b.rank()));
  c.set_output(0, c.input_dtypes[0], a.merge_with(b));
}

Tensor grad_op(const char* type, const Tensor& g, const Tensor& x, const Operation& like) {
  AttrMap attrs;
  if (like.has_attr("alpha")) attrs["alpha"] = like.get_attr<double>("alpha");
  return op_builder::create1(type, {g, x}, attrs);
}

// d/dy of a gradient op that is linear in g with slope 1 where y < 0
// (EluGrad, SeluGrad): gg * g there, 0 elsewhere.
Tensor slope_one_below_zero(const Tensor& gg, const Tensor& g, const Tensor& y) {
  return where(less(y, 0.0), multiply(gg, g), zeros_like(gg));
}

// Forward op `name` whose gradient is grad_type(dy, input or output).
#define KPP_ACTIVATION(NAME, GRAD, USES_OUTPUT, TYPES, ...)                             \
  KPP_REGISTER_OP(OpDef{.name = NAME,                                                   \
                        .inputs = {"features: T"},                                      \
                        .outputs = {"activations: T"},                                  \
                        .attrs = {TYPES __VA_OPT__(,) __VA_ARGS__},                     \
                        .shape_fn = shape_fns::unchanged,                               \
                        .grad_fn = [](const Operation& op, const Grads& g) -> Grads {    \
                          return {grad_op(GRAD, g[0], USES_OUTPUT ? op.output(0) : op.input(0), op)}; \
                        }})

KPP_ACTIVATION("Relu", "ReluGrad", true, kRealNumbers);
KPP_ACTIVATION("Relu6", "Relu6Grad", false, kRealNumbers);
KPP_ACTIVATION("Elu", "EluGrad", true, kFloat);
KPP_ACTIVATION("Selu", "SeluGrad", true, kFloat);
KPP_ACTIVATION("Softplus", "SoftplusGrad", false, kFloat);

KPP_ACTIVATION("LeakyRelu", "LeakyReluGrad", false, kFloat, "alpha: float = 0.2");
#undef KPP_ACTIVATION

// Brace lists for the macro (commas would split its arguments).
const std::vector<std::string> kGradAttrs{kFloat}, kLeakyGradAttrs{kFloat, "alpha: float = 0.2"},
    kReluGradAttrs{kRealNumbers};

// The gradient ops are linear in their first input; the second input's
// derivative is zero almost everywhere for the piecewise-linear ones (None).
#define KPP_ACTIVATION_GRAD(NAME, ATTRS, ...)                                           \
  KPP_REGISTER_OP(OpDef{.name = NAME,                                                   \
                        .inputs = {"gradients: T", "features: T"},                      \
                        .outputs = {"backprops: T"},                                    \
                        .attrs = ATTRS,                                                 \
                        .shape_fn = activation_grad_shape,                              \
                        .grad_fn = [](const Operation& op, const Grads& gr) -> Grads {   \
                          const Tensor gg = gr[0], g = op.input(0), x = op.input(1);   \
                          (void)g;                                                      \
                          return {grad_op(NAME, gg, x, op), __VA_ARGS__};               \
                        }})

KPP_ACTIVATION_GRAD("ReluGrad", kReluGradAttrs, Tensor());
KPP_ACTIVATION_GRAD("Relu6Grad", kReluGradAttrs, Tensor());
KPP_ACTIVATION_GRAD("LeakyReluGrad", kLeakyGradAttrs, Tensor());
// EluGrad(g, y) = g * (y + 1) for y < 0; SeluGrad(g, y) = g * (y + scale * alpha).
KPP_ACTIVATION_GRAD("EluGrad", kGradAttrs, slope_one_below_zero(gg, g, x));
KPP_ACTIVATION_GRAD("SeluGrad", kGradAttrs, slope_one_below_zero(gg, g, x));
// SoftplusGrad(g, x) = g * sigmoid(x): d/dx = g * s * (1 - s).
KPP_ACTIVATION_GRAD("SoftplusGrad", kGradAttrs, [&] {
  const Tensor s = sigmoid(x);
  return multiply(multiply(gg, g), multiply(s, subtract(1.0, s)));
}());
#undef KPP_ACTIVATION_GRAD

// Softsign, added by docs/adding-an-op.md: features / (1 + |features|).
KPP_REGISTER_OP(OpDef{
    .name = "Softsign",
    .inputs = schema::kSoftsign.specs(),
    .outputs = {"activations: T"},
    .attrs = {"T: {float, double}"},
    .shape_fn = shape_fns::unchanged,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {op_builder::create1("SoftsignGrad", {g[0], op.input(0)})};
    },
});

// SoftsignGrad(g, x) = g / (1 + |x|)^2: linear in g; d/dx = -2 g sign(x) / (1 + |x|)^3.
KPP_REGISTER_OP(OpDef{
    .name = "SoftsignGrad",
    .inputs = schema::kSoftsignGrad.specs(),
    .outputs = {"backprops: T"},
    .attrs = {"T: {float, double}"},
    .shape_fn = activation_grad_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& gr) -> std::vector<Tensor> {
      const Tensor gg = gr[0], g = op.input(0), x = op.input(1);
      const Tensor d = add(abs(x), 1.0);
      return {op_builder::create1("SoftsignGrad", {gg, x}),
              divide(multiply(multiply(gg, g), multiply(sign(x), -2.0)), multiply(d, square(d)))};
    },
});

}  // namespace

namespace nn::detail {

Tensor Activation::operator()(const Tensor& features, const std::string& name) const {
  return op_builder::create1(op, {features}, {}, name);
}

Tensor LeakyReluFn::operator()(const Tensor& features, double alpha, const std::string& name) const {
  return op_builder::create1("LeakyRelu", {features}, {{"alpha", alpha}}, name);
}

}  // namespace nn::detail
}  // namespace tf
