// MaxPool, MaxPoolGrad, AvgPool and AvgPoolGrad (TF 1.x's nn_ops.cc /
// nn_grad.py), and tf::nn::max_pool / avg_pool.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/nn_conv_ops.h"

#include "nn_pool_schema.h"
#include "nn_window.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

const std::vector<std::string> kPoolAttrs = {
    "T: {float, double}", "ksize: list(int)", "strides: list(int)", "padding: {'SAME', 'VALID'}",
    "data_format: {'NHWC', 'NCHW'} = 'NHWC'"};

// input: [N, H, W, C] or [N, C, H, W] -> the pooled shape in the same format.
TensorShape pool_output_shape(const InferenceContext& c, const TensorShape& in) {
  const window::Format f(c.attr<std::string>("data_format"));
  const auto& ksize = c.attr<std::vector<int64_t>>("ksize");
  const auto& strides = c.attr<std::vector<int64_t>>("strides");
  window::check_list(c.op_type, "ksize", ksize, f);
  window::check_list(c.op_type, "stride", strides, f);
  if (in.has_rank() && in.rank() != 4)
    throw ShapeError("Shape must be rank 4 but is rank " + std::to_string(in.rank()));
  const std::vector<int64_t> i = in.has_rank() ? in.dims() : std::vector<int64_t>(4, -1);
  const bool same = c.attr<std::string>("padding") == "SAME";
  auto out = [&](int axis) { return window::axis(i[axis], ksize[axis], strides[axis], 1, same).out; };
  return TensorShape(f.dims(i[f.n()], out(f.h()), out(f.w()), i[f.c()]));
}

void pool_shape(InferenceContext& c) {
  c.set_output(0, c.input_dtypes[0], pool_output_shape(c, c.input_shapes[0]));
}

AttrMap pool_attrs(const Operation& op) {
  AttrMap a = op.attrs();
  a.erase("T");
  return a;
}

KPP_REGISTER_OP(OpDef{
    .name = "MaxPool",
    .inputs = schema::kMaxPool.specs(),
    .outputs = {"output: T"},
    .attrs = kPoolAttrs,
    .shape_fn = pool_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {op_builder::create1("MaxPoolGrad", {op.input(0), op.output(0), g[0]}, pool_attrs(op))};
    },
    .allocates_outputs = true,
});

// The gradient routed to the first maximum of each window (TF's CPU kernel).
// TF 1.x differentiates it through MaxPoolGradGrad, which Keras++ lacks, so
// it is not differentiable here.
KPP_REGISTER_OP(OpDef{
    .name = "MaxPoolGrad",
    .inputs = schema::kMaxPoolGrad.specs(),
    .outputs = {"output: T"},
    .attrs = kPoolAttrs,
    .shape_fn = [](InferenceContext& c) {
      shape_fns::require_same_dtypes(c);
      pool_output_shape(c, c.input_shapes[0]);  // the checks
      c.set_output(0, c.input_dtypes[0], c.input_shapes[0]);
    },
    .differentiable = false,
    .allocates_outputs = true,
});

KPP_REGISTER_OP(OpDef{
    .name = "AvgPool",
    .inputs = schema::kAvgPool.specs(),
    .outputs = {"output: T"},
    .attrs = kPoolAttrs,
    .shape_fn = pool_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {op_builder::create1("AvgPoolGrad", {window::sizes_of(op.input(0)), g[0]}, pool_attrs(op))};
    },
    .zero_preserving = {"value"},
    .allocates_outputs = true,
});

// Spreads each output's gradient evenly over its window's unpadded inputs.
// TF's _AvgPoolGradGrad: grad's gradient is AvgPool of it.
KPP_REGISTER_OP(OpDef{
    .name = "AvgPoolGrad",
    .inputs = schema::kAvgPoolGrad.specs(),
    .outputs = {"output: T"},
    .attrs = kPoolAttrs,
    .shape_fn = [](InferenceContext& c) {
      TensorShape in({-1, -1, -1, -1});
      if (const np::Array* v = c.input_constants[0]) {
        std::vector<int64_t> d;
        for (int64_t j = 0; j < v->size(); ++j) d.push_back(static_cast<int64_t>(v->get_flat(j)));
        if (d.size() != 4)
          throw ShapeError("Shape must be rank 1 with 4 elements but has " + std::to_string(d.size()));
        in = TensorShape(d);
      }
      pool_output_shape(c, in);  // the checks
      c.set_output(0, c.input_dtypes[1], in);
    },
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {Tensor(), op_builder::create1("AvgPool", {g[0]}, pool_attrs(op))};
    },
    .allocates_outputs = true,
});

Tensor pool(const char* op, const Tensor& value, const std::vector<int64_t>& ksize,
            const std::vector<int64_t>& strides, const std::string& padding,
            const std::string& data_format, const std::string& name) {
  return op_builder::create1(op, {value},
                             {{"ksize", ksize},
                              {"strides", strides},
                              {"padding", padding},
                              {"data_format", data_format}},
                             name);
}

}  // namespace

namespace nn {

Tensor max_pool(const Tensor& value, const std::vector<int64_t>& ksize,
                const std::vector<int64_t>& strides, const std::string& padding,
                const std::string& data_format, const std::string& name) {
  return pool("MaxPool", value, ksize, strides, padding, data_format, name);
}

Tensor avg_pool(const Tensor& value, const std::vector<int64_t>& ksize,
                const std::vector<int64_t>& strides, const std::string& padding,
                const std::string& data_format, const std::string& name) {
  return pool("AvgPool", value, ksize, strides, padding, data_format, name);
}

}  // namespace nn
}  // namespace tf
