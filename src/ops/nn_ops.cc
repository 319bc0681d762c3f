// BiasAdd and BiasAddGrad, and Floor (tf.nn.dropout: nn_dropout.cc).
#include "keraspp/ops/nn_ops.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

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
    .shape_fn = bias_add_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {g[0], op_builder::create1("BiasAddGrad", {g[0]})};
    },
});

// out_backprop: [N, ..., C] -> [C], the sum over all but the last axis.
KPP_REGISTER_OP(OpDef{
    .name = "BiasAddGrad",
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
    .shape_fn = [](InferenceContext& c) {
      shape_fns::require_float(c.input_dtypes[0]);
      shape_fns::unchanged(c);
    },
    .grad_fn = [](const Operation&, const Grads&) -> Grads { return {Tensor()}; },
});

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
