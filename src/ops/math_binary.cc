// Binary elementwise ops with numpy broadcasting: Add, Sub, Mul, RealDiv,
// Maximum, Minimum, Pow, SquaredDifference, and the comparisons. Gradients
// sum back over broadcast dimensions with SumToShape.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

#include "math_binary_schema.h"

namespace tf {

namespace {

// Reduces a gradient to the shape of input `x` when broadcasting may have
// widened it; a no-op when the static shapes already agree.
Tensor unbroadcast(const Tensor& grad, const Tensor& x) {
  if (grad.shape().fully_defined() && grad.shape() == x.shape()) return grad;
  return sum_to_shape(grad, shape(x));
}

std::vector<Tensor> both(const Operation& op, const Tensor& gx, const Tensor& gy) {
  return {gx ? unbroadcast(gx, op.input(0)) : Tensor(), gy ? unbroadcast(gy, op.input(1)) : Tensor()};
}

void comparison_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  c.set_output(0, bool_, shape_fns::broadcast(c.input_shapes[0], c.input_shapes[1]));
}

// (x, y) -> z, broadcasting; ZERO: the inputs whose zeros make z zero (fold.h).
#define KPP_BINARY_OP(NAME, ZERO, ...)                                       \
  KPP_REGISTER_OP(OpDef{.name = NAME,                                       \
                        .inputs = schema::kBinary.specs(),                  \
                        .outputs = {"z: T"},                                \
                        .attrs = {"T: {float, double, int32, int64}"},      \
                        .shape_fn = shape_fns::broadcast_binary,            \
                        .grad_fn = __VA_ARGS__,                             \
                        .zero_preserving = ZERO})
// Brace lists for the macro (commas would split its arguments).
const std::vector<std::string> kNone, kEither{"x", "y"}, kNumerator{"x"};

KPP_BINARY_OP("Add", kNone, [](const Operation& op, const std::vector<Tensor>& g) {
  return both(op, g[0], g[0]);
});
KPP_BINARY_OP("Sub", kNone, [](const Operation& op, const std::vector<Tensor>& g) {
  return both(op, g[0], negative(g[0]));
});
KPP_BINARY_OP("Mul", kEither, [](const Operation& op, const std::vector<Tensor>& g) {
  return both(op, multiply(g[0], op.input(1)), multiply(op.input(0), g[0]));
});
KPP_BINARY_OP("RealDiv", kNumerator, [](const Operation& op, const std::vector<Tensor>& g) {
  const Tensor x = op.input(0), y = op.input(1);
  return both(op, divide(g[0], y), negative(multiply(g[0], divide(divide(x, y), y))));
});
// Ties send the gradient to x, as TF's select-based gradient does.
KPP_BINARY_OP("Maximum", kNone, [](const Operation& op, const std::vector<Tensor>& g) {
  const Tensor x = op.input(0), y = op.input(1);
  const Tensor mask = cast(greater_equal(x, y), g[0].dtype());
  return both(op, multiply(g[0], mask), multiply(g[0], 1.0 - mask));
});
KPP_BINARY_OP("Minimum", kNone, [](const Operation& op, const std::vector<Tensor>& g) {
  const Tensor x = op.input(0), y = op.input(1);
  const Tensor mask = cast(less_equal(x, y), g[0].dtype());
  return both(op, multiply(g[0], mask), multiply(g[0], 1.0 - mask));
});
// d/dx x^y = y x^(y-1); d/dy = x^y log(x) (taken as 0 where x <= 0, as TF).
KPP_BINARY_OP("Pow", kNone, [](const Operation& op, const std::vector<Tensor>& g) {
  const Tensor x = op.input(0), y = op.input(1), z = op.output(0);
  const Tensor gx = multiply(g[0], multiply(y, pow(x, subtract(y, 1.0))));
  const Tensor safe_log = where(greater(x, zeros_like(x)), log(x), zeros_like(x));
  return both(op, gx, multiply(g[0], multiply(z, safe_log)));
});
KPP_BINARY_OP("SquaredDifference", kNone, [](const Operation& op, const std::vector<Tensor>& g) {
  const Tensor d = multiply(multiply(g[0], 2.0), subtract(op.input(0), op.input(1)));
  return both(op, d, negative(d));
});
#undef KPP_BINARY_OP

#define KPP_COMPARISON_OP(NAME)                       \
  KPP_REGISTER_OP(OpDef{.name = NAME,                \
                        .inputs = schema::kBinary.specs(), \
                        .outputs = {"z: bool"},      \
                        .attrs = {"T: type"},        \
                        .shape_fn = comparison_shape, \
                        .differentiable = false})
KPP_COMPARISON_OP("Equal");
KPP_COMPARISON_OP("NotEqual");
KPP_COMPARISON_OP("Less");
KPP_COMPARISON_OP("LessEqual");
KPP_COMPARISON_OP("Greater");
KPP_COMPARISON_OP("GreaterEqual");
#undef KPP_COMPARISON_OP

KPP_REGISTER_OP(OpDef{.name = "LogicalAnd",
                      .inputs = {"x: bool", "y: bool"},
                      .outputs = {"z: bool"},
                      .shape_fn = comparison_shape,
                      .differentiable = false});

Tensor binary(const char* type, const TensorLike& x, const TensorLike& y, const std::string& name) {
  auto [a, b] = convert_pair(x, y);
  return op_builder::create1(type, {a, b}, {}, name);
}

}  // namespace

Tensor add(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("Add", x, y, name);
}
Tensor subtract(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("Sub", x, y, name);
}
Tensor multiply(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("Mul", x, y, name);
}
Tensor divide(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("RealDiv", x, y, name);
}
Tensor maximum(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("Maximum", x, y, name);
}
Tensor minimum(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("Minimum", x, y, name);
}
Tensor pow(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("Pow", x, y, name);
}
Tensor squared_difference(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("SquaredDifference", x, y, name);
}
Tensor equal(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("Equal", x, y, name);
}
Tensor not_equal(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("NotEqual", x, y, name);
}
Tensor less(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("Less", x, y, name);
}
Tensor less_equal(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("LessEqual", x, y, name);
}
Tensor greater(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("Greater", x, y, name);
}
Tensor greater_equal(const TensorLike& x, const TensorLike& y, const std::string& name) {
  return binary("GreaterEqual", x, y, name);
}
Tensor logical_and(const Tensor& x, const Tensor& y, const std::string& name) {
  return binary("LogicalAnd", x, y, name);
}

// Python's operators on tf.Tensor name their ops after the method ("add",
// "sub", "mul", "truediv"), as TF 1.x does.
Tensor operator+(const Tensor& a, const TensorLike& b) { return add(a, b, "add"); }
Tensor operator+(double a, const Tensor& b) { return add(a, b, "add"); }
Tensor operator-(const Tensor& a, const TensorLike& b) { return subtract(a, b, "sub"); }
Tensor operator-(double a, const Tensor& b) { return subtract(a, b, "sub"); }
Tensor operator*(const Tensor& a, const TensorLike& b) { return multiply(a, b, "mul"); }
Tensor operator*(double a, const Tensor& b) { return multiply(a, b, "mul"); }
Tensor operator/(const Tensor& a, const TensorLike& b) { return divide(a, b, "truediv"); }
Tensor operator/(double a, const Tensor& b) { return divide(a, b, "truediv"); }
Tensor operator-(const Tensor& a) { return negative(a, "Neg"); }

}  // namespace tf
