// BiasAdd and BiasAddGrad, and Floor (tf.nn.dropout: nn_dropout.cc).
#include "keraspp/ops/nn_ops.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

#include "nn_ops_schema.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

// value: [N, ..., C], bias: [C] -> value's shape.
void bias_add_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  const TensorShape& v = c.input_shapes[0];
  const TensorShape& b = c.input_shapes[1];
  if (b.has_rank() && b.rank() != 1)
    throw ShapeError("Shape must be rank 1 but is rank " + std::to_string(b.rank()));
  if (!v.has_rank()) {
    c.set_output(0, c.input_dtypes[0], v);
    return;
  }
  if (v.rank() < 2)
    throw ShapeError("Shape must be at least rank 2 but is rank " + std::to_string(v.rank()));
  std::vector<int64_t> d = v.dims();
  const int64_t vc = d.back(), bc = b.has_rank() ? b.dim(0) : -1;
  if (vc >= 0 && bc >= 0 && vc != bc)
    throw ShapeError("Dimensions must be equal, but are " + std::to_string(vc) + " and " +
                     std::to_string(bc));
  if (d.back() < 0) d.back() = bc;
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

KPP_REGISTER_OP(OpDef{
    .name = "BiasAdd",
    .inputs = schema::kBiasAdd.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: {float, double, int32, int64}"},
    .shape_fn = bias_add_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {g[0], op_builder::create1("BiasAddGrad", {g[0]})};
    },
});

// out_backprop: [N, ..., C] -> [C], the sum over all but the last axis.
KPP_REGISTER_OP(OpDef{
    .name = "BiasAddGrad",
    .inputs = schema::kBiasAddGrad.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: {float, double, int32, int64}"},
    .shape_fn = [](InferenceContext& c) {
      const TensorShape& s = c.input_shapes[0];
      if (!s.has_rank()) {
        c.set_output(0, c.input_dtypes[0], TensorShape({-1}));
        return;
      }
      if (s.rank() < 2)
        throw ShapeError("Shape must be at least rank 2 but is rank " + std::to_string(s.rank()));
      c.set_output(0, c.input_dtypes[0], TensorShape({s.dim(-1)}));
    },
    // [C] -> broadcast back over the leading axes of the original input.
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {broadcast_to(g[0], shape(op.input(0)))};
    },
});

// floor is piecewise constant: TF registers a None gradient.
KPP_REGISTER_OP(OpDef{
    .name = "Floor",
    .inputs = schema::kFloor.specs(),
    .outputs = {"y: T"},
    .attrs = {"T: {float, double}"},
    .shape_fn = shape_fns::unchanged,
    .grad_fn = [](const Operation&, const Grads&) -> Grads { return {Tensor()}; },
});

// Plan-made (fuse.h): the backprop of Dense -> relu (-> dropout) as one
// pass giving relu's gradient and the bias gradient summing it.
KPP_REGISTER_OP(OpDef{.name = "_FusedReluBiasAddGrad",
                      .inputs = schema::kFusedReluBiasAddGrad.specs(),
                      .outputs = {"backprops: T", "bias_grad: T"},
                      .attrs = {"T: {float, double}"},
                      .differentiable = false,
                      .plan_only = true});
KPP_REGISTER_FUSION(FusionPattern{.fused_op = "_FusedReluBiasAddGrad",
                                  .chain = {{"ReluGrad", ""}, {"BiasAddGrad", "out_backprop"}},
                                  .inputs = {{0, "gradients"}, {0, "features"}},
                                  .outputs = {0, 1}});

KPP_REGISTER_OP(OpDef{.name = "_FusedDropoutReluBiasAddGrad",
                      .inputs = schema::kFusedDropoutReluBiasAddGrad.specs(),
                      .outputs = {"backprops: T", "bias_grad: T"},
                      .attrs = {"T: {float, double}", "keep_prob: float"},
                      .differentiable = false,
                      .plan_only = true});
KPP_REGISTER_FUSION(FusionPattern{
    .fused_op = "_FusedDropoutReluBiasAddGrad",
    .chain = {{"_FusedDropoutGrad", ""}, {"ReluGrad", "gradients"}, {"BiasAddGrad", "out_backprop"}},
    .inputs = {{0, "dy"}, {0, "mask"}, {1, "features"}},
    .outputs = {1, 2}});

}  // namespace

Tensor floor(const Tensor& x, const std::string& name) {
  return op_builder::create1("Floor", {x}, {}, name);
}

namespace nn {

Tensor bias_add(const Tensor& value, const Tensor& bias, const std::string& name) {
  return op_builder::create1("BiasAdd", {value, bias}, {}, name);
}

}  // namespace nn
}  // namespace tf
