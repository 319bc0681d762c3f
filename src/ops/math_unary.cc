// Unary elementwise math ops: Neg, Exp, Log, Sqrt, Rsqrt, Square, Abs, Sign,
// Reciprocal, Sigmoid, Tanh (and clip_by_value, a composite).
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

#include "math_unary_schema.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

constexpr const char* kFloat = "T: {float, double}";
constexpr const char* kAnyNumber = "T: {float, double, int32, int64}";

// x -> y, elementwise. T: the dtypes of its kernels.
#define KPP_UNARY_OP(NAME, T, ...)                                                 \
  KPP_REGISTER_OP(OpDef{.name = NAME,                                              \
                        .inputs = schema::kUnary.specs(),                          \
                        .outputs = {"y: T"},                                       \
                        .attrs = {T},                                              \
                        .shape_fn = shape_fns::unchanged,                          \
                        .grad_fn = [](const Operation& op, const Grads& g) -> Grads { \
                          const Tensor x = op.input(0), y = op.output(0), dy = g[0]; \
                          (void)x;                                                 \
                          (void)y;                                                 \
                          return {__VA_ARGS__};                                         \
                        }})

// -0 is a zero: negation keeps zeros (fold.h).
KPP_REGISTER_OP(OpDef{.name = "Neg",
                      .inputs = schema::kUnary.specs(),
                      .outputs = {"y: T"},
                      .attrs = {kAnyNumber},
                      .shape_fn = shape_fns::unchanged,
                      .grad_fn = [](const Operation&, const Grads& g) -> Grads { return {negative(g[0])}; },
                      .zero_preserving = {"x"}});
KPP_UNARY_OP("Exp", kFloat, multiply(dy, y));
KPP_UNARY_OP("Log", kFloat, divide(dy, x));
KPP_UNARY_OP("Sqrt", kFloat, divide(multiply(dy, 0.5), y));
KPP_UNARY_OP("Rsqrt", kFloat, multiply(dy, multiply(-0.5, multiply(y, square(y)))));
KPP_UNARY_OP("Square", kAnyNumber, multiply(dy, multiply(x, 2.0)));
KPP_UNARY_OP("Abs", kAnyNumber, multiply(dy, sign(x)));
KPP_UNARY_OP("Reciprocal", kFloat, negative(multiply(dy, square(y))));
KPP_UNARY_OP("Sigmoid", kFloat, multiply(dy, multiply(y, subtract(1.0, y))));
KPP_UNARY_OP("Tanh", kFloat, multiply(dy, subtract(1.0, square(y))));
#undef KPP_UNARY_OP

// sign has a zero derivative almost everywhere; TF returns zeros, we block.
KPP_REGISTER_OP(OpDef{.name = "Sign",
                      .inputs = schema::kUnary.specs(),
                      .outputs = {"y: T"},
                      .attrs = {kAnyNumber},
                      .shape_fn = shape_fns::unchanged,
                      .differentiable = false});

Tensor unary(const char* type, const Tensor& x, const std::string& name) {
  return op_builder::create1(type, {x}, {}, name);
}

}  // namespace

Tensor negative(const Tensor& x, const std::string& name) { return unary("Neg", x, name); }
Tensor exp(const Tensor& x, const std::string& name) { return unary("Exp", x, name); }
Tensor log(const Tensor& x, const std::string& name) { return unary("Log", x, name); }
Tensor sqrt(const Tensor& x, const std::string& name) { return unary("Sqrt", x, name); }
Tensor rsqrt(const Tensor& x, const std::string& name) { return unary("Rsqrt", x, name); }
Tensor square(const Tensor& x, const std::string& name) { return unary("Square", x, name); }
Tensor abs(const Tensor& x, const std::string& name) { return unary("Abs", x, name); }
Tensor sign(const Tensor& x, const std::string& name) { return unary("Sign", x, name); }
Tensor reciprocal(const Tensor& x, const std::string& name) { return unary("Reciprocal", x, name); }
Tensor sigmoid(const Tensor& x, const std::string& name) { return unary("Sigmoid", x, name); }
Tensor tanh(const Tensor& x, const std::string& name) { return unary("Tanh", x, name); }

Tensor clip_by_value(const Tensor& t, const TensorLike& lo, const TensorLike& hi,
                     const std::string& name) {
  name_scope scope(name.empty() ? "clip_by_value" : name);
  return maximum(minimum(t, hi), lo);
}

}  // namespace tf
