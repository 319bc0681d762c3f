// Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter (TF 1.x's
// nn_ops.cc / nn_grad.py), and tf::nn::conv2d / conv1d.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/nn_conv_ops.h"

#include "nn_conv_schema.h"
#include "nn_window.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

// The attrs every op here takes, with TF's names and defaults.
const std::vector<std::string> kConvAttrs = {
    "T: {float, double}", "strides: list(int)", "padding: {'SAME', 'VALID'}",
    "data_format: {'NHWC', 'NCHW'} = 'NHWC'", "dilations: list(int) = [1, 1, 1, 1]",
    "use_cudnn_on_gpu: bool = true"};

// Checks strides and dilations; returns the data format.
window::Format check_conv_attrs(const InferenceContext& c) {
  const window::Format f(c.attr<std::string>("data_format"));
  window::check_list(c.op_type, "stride", c.attr<std::vector<int64_t>>("strides"), f);
  window::check_list(c.op_type, "dilation", c.attr<std::vector<int64_t>>("dilations"), f);
  return f;
}

// input: [N, H, W, C] or [N, C, H, W], filter: [KH, KW, C, OC] -> the output
// in input's format. Unknown dims stay unknown.
TensorShape conv_output_shape(const InferenceContext& c, const TensorShape& in,
                              const TensorShape& filter) {
  const window::Format f = check_conv_attrs(c);
  if (in.has_rank() && in.rank() != 4)
    throw ShapeError("Shape must be rank 4 but is rank " + std::to_string(in.rank()));
  if (filter.has_rank() && filter.rank() != 4)
    throw ShapeError("Shape must be rank 4 but is rank " + std::to_string(filter.rank()));
  const std::vector<int64_t> i = in.has_rank() ? in.dims() : std::vector<int64_t>(4, -1);
  const std::vector<int64_t> k = filter.has_rank() ? filter.dims() : std::vector<int64_t>(4, -1);
  const int64_t in_c = i[f.c()];
  if (in_c >= 0 && k[2] >= 0 && in_c != k[2])
    throw ShapeError("Dimensions must be equal, but are " + std::to_string(in_c) + " and " +
                     std::to_string(k[2]));
  const auto& strides = c.attr<std::vector<int64_t>>("strides");
  const auto& dilations = c.attr<std::vector<int64_t>>("dilations");
  const bool same = c.attr<std::string>("padding") == "SAME";
  auto out = [&](int axis, int64_t kernel) {
    if (kernel < 0) return int64_t{-1};
    return window::axis(i[axis], kernel, strides[axis], dilations[axis], same).out;
  };
  return TensorShape(f.dims(i[f.n()], out(f.h(), k[0]), out(f.w(), k[1]), k[3]));
}

// The rank-4 shape held by a constant int32 sizes input, else unknown dims.
TensorShape sizes_shape(const InferenceContext& c, int input) {
  const TensorShape& s = c.input_shapes[static_cast<size_t>(input)];
  if (s.has_rank() && (s.rank() != 1 || (s.dim(0) >= 0 && s.dim(0) != 4)))
    throw ShapeError("Shape must be rank 1 with 4 elements but is " + s.str());
  if (const np::Array* v = c.input_constants[static_cast<size_t>(input)]) {
    std::vector<int64_t> d;
    for (int64_t j = 0; j < v->size(); ++j) d.push_back(static_cast<int64_t>(v->get_flat(j)));
    return TensorShape(d);
  }
  return TensorShape({-1, -1, -1, -1});
}

// The op's attrs without T (inferred again from the inputs).
AttrMap window_attrs(const Operation& op) {
  AttrMap a = op.attrs();
  a.erase("T");
  return a;
}

// TF's _Conv2DGrad: (dL/dinput, dL/dfilter).
Grads conv2d_grad(const Operation& op, const Grads& g) {
  const AttrMap a = window_attrs(op);
  const Tensor input = op.input(0), filter = op.input(1);
  return {op_builder::create1("Conv2DBackpropInput", {window::sizes_of(input), filter, g[0]}, a),
          op_builder::create1("Conv2DBackpropFilter", {input, window::sizes_of(filter), g[0]}, a)};
}

KPP_REGISTER_OP(OpDef{
    .name = "Conv2D",
    .inputs = schema::kConv2D.specs(),
    .outputs = {"output: T"},
    .attrs = kConvAttrs,
    .shape_fn = [](InferenceContext& c) {
      shape_fns::require_same_dtypes(c);
      c.set_output(0, c.input_dtypes[0], conv_output_shape(c, c.input_shapes[0], c.input_shapes[1]));
    },
    .grad_fn = conv2d_grad,
    .zero_preserving = {"input", "filter"},
    .allocates_outputs = true,
});

// dL/dinput of Conv2D: out_backprop [N, OH, OW, OC] (format) -> input_sizes.
// TF's _Conv2DBackpropInputGrad: the filter's gradient is a backprop-filter
// of (grad, out_backprop); out_backprop's is Conv2D(grad, filter).
KPP_REGISTER_OP(OpDef{
    .name = "Conv2DBackpropInput",
    .inputs = schema::kConv2DBackpropInput.specs(),
    .outputs = {"output: T"},
    .attrs = kConvAttrs,
    .shape_fn = [](InferenceContext& c) {
      const TensorShape in = sizes_shape(c, 0);
      const TensorShape out = conv_output_shape(c, in, c.input_shapes[1]);
      const TensorShape& given = c.input_shapes[2];
      if (given.has_rank() && given.rank() != 4)
        throw ShapeError("Shape must be rank 4 but is rank " + std::to_string(given.rank()));
      if (given.has_rank())
        for (int d = 0; d < 4; ++d)
          if (given.dim(d) >= 0 && out.dim(d) >= 0 && given.dim(d) != out.dim(d))
            throw ShapeError("Dimensions must be equal, but are " + std::to_string(given.dim(d)) +
                             " and " + std::to_string(out.dim(d)));
      c.set_output(0, c.input_dtypes[1], in);
    },
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      const AttrMap a = window_attrs(op);
      const Tensor filter = op.input(1), dy = op.input(2);
      return {Tensor(), op_builder::create1("Conv2DBackpropFilter", {g[0], window::sizes_of(filter), dy}, a),
              op_builder::create1("Conv2D", {g[0], filter}, a)};
    },
    .allocates_outputs = true,
});

// dL/dfilter of Conv2D -> filter_sizes [KH, KW, C, OC]. TF's
// _Conv2DBackpropFilterGrad.
KPP_REGISTER_OP(OpDef{
    .name = "Conv2DBackpropFilter",
    .inputs = schema::kConv2DBackpropFilter.specs(),
    .outputs = {"output: T"},
    .attrs = kConvAttrs,
    .shape_fn = [](InferenceContext& c) {
      const TensorShape filter = sizes_shape(c, 1);
      conv_output_shape(c, c.input_shapes[0], filter);  // the checks
      c.set_output(0, c.input_dtypes[0], filter);
    },
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      const AttrMap a = window_attrs(op);
      const Tensor input = op.input(0), dy = op.input(2);
      return {op_builder::create1("Conv2DBackpropInput", {window::sizes_of(input), g[0], dy}, a), Tensor(),
              op_builder::create1("Conv2D", {input, g[0]}, a)};
    },
    .allocates_outputs = true,
});

}  // namespace

namespace nn {

Tensor conv2d(const Tensor& input, const Tensor& filter, const std::vector<int64_t>& strides,
              const std::string& padding, const std::string& data_format,
              const std::vector<int64_t>& dilations, const std::string& name) {
  return op_builder::create1("Conv2D", {input, filter},
                             {{"strides", strides},
                              {"padding", padding},
                              {"data_format", data_format},
                              {"dilations", dilations}},
                             name);
}

// TF 1.x's conv1d: value [N, W, C] (NWC) or [N, C, W] (NCW) gains a unit
// height axis, runs a 1 x k Conv2D and loses the axis again, under a
// "conv1d" name scope. Keras++ has no ExpandDims/Squeeze ops yet, so the axis
// is added and removed by Reshape (value's W and C must be known).
Tensor conv1d(const Tensor& value, const Tensor& filters, int64_t stride, const std::string& padding,
              const std::string& data_format, const std::string& name) {
  if (data_format != "NWC" && data_format != "NCW" && data_format != "NHWC" && data_format != "NCHW")
    throw keraspp::ValueError("data_format must be \"NHWC\" or \"NCHW\".");
  const bool nwc = data_format == "NWC" || data_format == "NHWC";
  const TensorShape& s = value.shape();
  if (!s.has_rank() || s.rank() != 3)
    throw keraspp::ValueError("conv1d: value must be rank 3 but is " + s.str());
  const std::vector<int64_t> d = s.dims();
  if (d[1] < 0 || d[2] < 0) throw keraspp::ValueError("conv1d: value's last two dims must be known: " + s.str());
  name_scope scope(name.empty() ? "conv1d" : name);
  const Tensor x = reshape(value, nwc ? std::vector<int64_t>{-1, 1, d[1], d[2]}
                                      : std::vector<int64_t>{-1, d[1], 1, d[2]});
  const TensorShape& fs = filters.shape();
  if (!fs.fully_defined() || fs.rank() != 3)
    throw keraspp::ValueError("conv1d: filters must be a known [k, in, out] shape: " + fs.str());
  const Tensor w = reshape(filters, std::vector<int64_t>{1, fs.dim(0), fs.dim(1), fs.dim(2)});
  const std::vector<int64_t> strides =
      nwc ? std::vector<int64_t>{1, 1, stride, 1} : std::vector<int64_t>{1, 1, 1, stride};
  const Tensor y = conv2d(x, w, strides, padding, nwc ? "NHWC" : "NCHW");
  const std::vector<int64_t> yd = y.shape().dims();
  return reshape(y, nwc ? std::vector<int64_t>{-1, yd[2], yd[3]} : std::vector<int64_t>{-1, yd[1], yd[3]});
}

}  // namespace nn
}  // namespace tf
