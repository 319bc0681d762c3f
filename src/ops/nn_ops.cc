// BiasAdd and BiasAddGrad, and Floor (tf.nn.dropout: nn_dropout.cc).
#include "keraspp/ops/nn_ops.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

#include "nn_ops_schema.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

// The channel axis of a rank-`rank` value: the last (NHWC), or 1 (NCHW).
int channel_axis(const std::string& data_format, int rank) { return data_format == "NCHW" ? 1 : rank - 1; }

// value: [N, ..., C] (NHWC) or [N, C, ...] (NCHW), bias: [C] -> value's shape.
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
  const bool nchw = c.attr<std::string>("data_format") == "NCHW";
  if (v.rank() < (nchw ? 3 : 2))
    throw ShapeError("Shape must be at least rank " + std::string(nchw ? "3" : "2") + " but is rank " +
                     std::to_string(v.rank()));
  std::vector<int64_t> d = v.dims();
  const size_t axis = static_cast<size_t>(channel_axis(c.attr<std::string>("data_format"), v.rank()));
  const int64_t vc = d[axis], bc = b.has_rank() ? b.dim(0) : -1;
  if (vc >= 0 && bc >= 0 && vc != bc)
    throw ShapeError("Dimensions must be equal, but are " + std::to_string(vc) + " and " +
                     std::to_string(bc));
  if (d[axis] < 0) d[axis] = bc;
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

KPP_REGISTER_OP(OpDef{
    .name = "BiasAdd",
    .inputs = schema::kBiasAdd.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: {float, double, int32, int64}", "data_format: {'NHWC', 'NCHW'} = 'NHWC'"},
    .shape_fn = bias_add_shape,
    // NHWC: TF's BiasAddGrad. NCHW: the same sum written as reduce_sum over
    // every axis but 1, because the plan fuses ReluGrad -> BiasAddGrad by op
    // type (fuse.h) into a kernel that sums over the last axis only.
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      if (op.get_attr<std::string>("data_format") != "NCHW")
        return {g[0], op_builder::create1("BiasAddGrad", {g[0]})};
      const int rank = op.input(0).shape().rank();
      if (rank < 0) return {g[0], op_builder::create1("BiasAddGrad", {g[0]}, {{"data_format", std::string("NCHW")}})};
      std::vector<int> axes;
      for (int a = 0; a < rank; ++a)
        if (a != 1) axes.push_back(a);
      return {g[0], reduce_sum(g[0], axes)};
    },
});

// out_backprop: [N, ..., C] -> [C], the sum over all but the last axis.
KPP_REGISTER_OP(OpDef{
    .name = "BiasAddGrad",
    .inputs = schema::kBiasAddGrad.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: {float, double, int32, int64}", "data_format: {'NHWC', 'NCHW'} = 'NHWC'"},
    .shape_fn = [](InferenceContext& c) {
      const TensorShape& s = c.input_shapes[0];
      if (!s.has_rank()) {
        c.set_output(0, c.input_dtypes[0], TensorShape({-1}));
        return;
      }
      const std::string& format = c.attr<std::string>("data_format");
      if (s.rank() < (format == "NCHW" ? 3 : 2))
        throw ShapeError("Shape must be at least rank " + std::string(format == "NCHW" ? "3" : "2") +
                         " but is rank " + std::to_string(s.rank()));
      c.set_output(0, c.input_dtypes[0], TensorShape({s.dim(channel_axis(format, s.rank()))}));
    },
    // [C] -> broadcast back over the other axes of the original input.
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      if (op.get_attr<std::string>("data_format") != "NCHW")
        return {broadcast_to(g[0], shape(op.input(0)))};
      const int rank = op.input(0).shape().rank();
      std::vector<int64_t> dims(static_cast<size_t>(rank - 1), 1);
      dims[0] = -1;  // [C, 1, ..., 1]
      return {broadcast_to(reshape(g[0], dims), shape(op.input(0)))};
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

Tensor bias_add(const Tensor& value, const Tensor& bias, const std::string& data_format,
                const std::string& name) {
  AttrMap attrs;
  if (!data_format.empty()) attrs["data_format"] = data_format;
  return op_builder::create1("BiasAdd", {value, bias}, attrs, name);
}

}  // namespace nn
}  // namespace tf
