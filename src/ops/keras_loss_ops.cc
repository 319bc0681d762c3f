// Keras 2.0.2's categorical_crossentropy on probabilities as one op. Keras
// builds it as a composite,
//   s = sum(y_pred, -1, keepdims); p = clip_by_value(y_pred / s, eps, 1 - eps)
//   loss = -sum(y_true * log(p), -1)
// about 8 nodes forward and 15 in the gradient, each a kernel call over a
// small [batch, classes] tensor. These ops do the same work in one kernel
// forward and one per wanted gradient; the kernels (src/kernels/cpu/
// keras_loss_ops.cc) repeat the composite's float operations in its order,
// so the loss and both gradients equal the composite's bit for bit
// (tests/ops/keras_xent_test.cc). Attr epsilon: Keras's K.epsilon() when
// the loss was built; the clip bounds are epsilon and 1 - epsilon (computed
// in double) rounded to the inputs' dtype, as the composite's Consts are.
//
// The gradient w.r.t. y_true is its own op so that a plan which does not
// need it (y_true is fed, the usual case) prunes it; the composite's
// gradient graph also builds it and lets the plan prune it.
#include "keraspp/ops/keras_loss_ops.h"

#include "keras_loss_ops_schema.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

constexpr const char* kLoss = "KerasCategoricalCrossentropy";
constexpr const char* kGrad = "KerasCategoricalCrossentropyGrad";
constexpr const char* kTargetGrad = "KerasCategoricalCrossentropyTargetGrad";

// y_true, y_pred -> the one shape [..., C] both must have (unknown rank when
// neither rank is known).
TensorShape merge_inputs(const TensorShape& t, const TensorShape& y) {
  if (t.has_rank() && y.has_rank() && t.rank() != y.rank())
    throw ShapeError("Shapes must be equal rank, but are " + std::to_string(t.rank()) + " and " +
                     std::to_string(y.rank()));
  const TensorShape& known = y.has_rank() ? y : t;
  if (known.has_rank() && known.rank() < 1)
    throw ShapeError("Shape must be at least rank 1 but is rank 0");
  if (!t.has_rank() || !y.has_rank()) return known;
  std::vector<int64_t> d;
  shape_fns::merge_dims(t, y, t.rank(), d);
  return TensorShape(d);
}

// (y_true, y_pred): [..., C] -> loss [...].
void loss_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  const TensorShape in = merge_inputs(c.input_shapes[0], c.input_shapes[1]);
  if (!in.has_rank()) return c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
  std::vector<int64_t> d = in.dims();
  d.pop_back();
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

// (grad [...], y_true [..., C], y_pred [..., C]) -> [..., C].
void grad_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  const TensorShape& g = c.input_shapes[0];
  TensorShape in = merge_inputs(c.input_shapes[1], c.input_shapes[2]);
  if (g.has_rank() && in.has_rank()) {
    if (g.rank() != in.rank() - 1)
      throw ShapeError("Shape must be rank " + std::to_string(in.rank() - 1) + " but is rank " +
                       std::to_string(g.rank()));
    std::vector<int64_t> d;
    shape_fns::merge_dims(g, in, g.rank(), d);
    d.push_back(in.dim(-1));
    in = TensorShape(d);
  } else if (g.has_rank()) {
    std::vector<int64_t> d = g.dims();
    d.push_back(-1);
    in = TensorShape(d);
  }
  c.set_output(0, c.input_dtypes[0], in);
}

Tensor fused(const char* type, const std::vector<Tensor>& inputs, double epsilon) {
  return op_builder::create1(type, inputs, {{"epsilon", epsilon}});
}

// g: [...] -> [..., C] like `like`, repeated along the last axis.
Tensor expand_last(const Tensor& g, const Tensor& like) {
  return op_builder::create1(
      "BroadcastReduced", {g, like},
      {{"axis", std::vector<int64_t>{-1}}, {"reduce_all", false}, {"keep_dims", false}});
}

Tensor sum_last(const Tensor& x) { return reduce_sum(x, -1, {.keepdims = true}); }

// The parts of the loss that second derivatives need, over y_pred [..., C]:
// s = sum(y_pred) [..., 1], the clipped quotient c = clip(y_pred / s) and the
// mask [..., C] that is 1 where the clip passes y_pred / s through (the
// composite's Minimum and Maximum masks). Where the mask is 1, c = y / s;
// the formulas divide by c, never by y, so zero entries of y_pred (clipped,
// mask 0) give zeros, as the composite's gradient graph does.
struct ClipParts {
  Tensor s, c, mask;
};
ClipParts clip_parts(const Tensor& y_pred, double eps) {
  const DType t = y_pred.dtype();
  const Tensor s = sum_last(y_pred);
  const Tensor q = divide(y_pred, s);
  const Tensor m = minimum(q, 1.0 - eps);
  const Tensor mask = multiply(cast(less_equal(q, 1.0 - eps), t), cast(greater_equal(m, eps), t));
  return {s, maximum(m, eps), mask};
}

// loss(t, y) = -sum(t * log(clip(y / s))): d/dy_true = -g log(clip(y / s))
// and d/dy_pred from their ops.
KPP_REGISTER_OP(OpDef{
    .name = kLoss,
    .inputs = schema::kKerasXent.specs(),
    .outputs = {"loss: T"},
    .attrs = {"T: {float, double}", "epsilon: float"},
    .shape_fn = loss_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      const double eps = op.get_attr<double>("epsilon");
      const std::vector<Tensor> in = {g[0], op.input(0), op.input(1)};
      return {fused(kTargetGrad, in, eps), fused(kGrad, in, eps)};
    },
});

// Second derivatives, where the clip passes y through (mask M = 1; elsewhere
// the clipped value is a constant): with a = -g t M, A = sum(a), s = sum(y)
// and c = y / s there, Grad(g, t, y) = a / (s c) - A / s, so for an upstream
// G [..., C]:
//   d/dg = sum(G * Grad(1, t, y))                    (linear in g)
//   d/dt = -(g M / s) (G / c - sum(G))
//   d/dy = (g / s^2) (t M G / c^2 - sum(t M) sum(G))
KPP_REGISTER_OP(OpDef{
    .name = kGrad,
    .inputs = schema::kKerasXentGrad.specs(),
    .outputs = {"y_pred_grad: T"},
    .attrs = {"T: {float, double}", "epsilon: float"},
    .shape_fn = grad_shape,
    .grad_fn = [](const Operation& op, const Grads& gr) -> Grads {
      const double eps = op.get_attr<double>("epsilon");
      const Tensor G = gr[0], g = op.input(0), t = op.input(1), y = op.input(2);
      const auto [s, c, mask] = clip_parts(y, eps);
      const Tensor g_full = expand_last(g, y);
      const Tensor sum_g = sum_last(G);
      const Tensor tm = multiply(t, mask);
      const Tensor dg = reduce_sum(multiply(G, fused(kGrad, {ones_like(g), t, y}, eps)), -1);
      const Tensor dt = negative(multiply(divide(multiply(g_full, mask), s), subtract(divide(G, c), sum_g)));
      const Tensor dy = multiply(divide(g_full, square(s)),
                                 subtract(divide(multiply(tm, G), square(c)), multiply(sum_last(tm), sum_g)));
      return {dg, dt, dy};
    },
});

// TargetGrad(g, t, y) = -g log(clip(y / s)) does not depend on t; for an
// upstream H [..., C]:
//   d/dg = sum(H * TargetGrad(1, t, y))
//   d/dy = -(g / s) (H M / c - sum(H M))
KPP_REGISTER_OP(OpDef{
    .name = kTargetGrad,
    .inputs = schema::kKerasXentGrad.specs(),
    .outputs = {"y_true_grad: T"},
    .attrs = {"T: {float, double}", "epsilon: float"},
    .shape_fn = grad_shape,
    .grad_fn = [](const Operation& op, const Grads& gr) -> Grads {
      const double eps = op.get_attr<double>("epsilon");
      const Tensor H = gr[0], g = op.input(0), t = op.input(1), y = op.input(2);
      const auto [s, c, mask] = clip_parts(y, eps);
      const Tensor hm = multiply(H, mask);
      const Tensor dg = reduce_sum(multiply(H, fused(kTargetGrad, {ones_like(g), t, y}, eps)), -1);
      const Tensor dy = negative(
          multiply(divide(expand_last(g, y), s), subtract(divide(hm, c), sum_last(hm))));
      return {dg, Tensor(), dy};
    },
});

}  // namespace

Tensor keras_categorical_crossentropy(const Tensor& y_true, const Tensor& y_pred, double epsilon,
                                      const std::string& name) {
  return op_builder::create1(kLoss, {y_true, y_pred}, {{"epsilon", epsilon}}, name);
}

}  // namespace tf
