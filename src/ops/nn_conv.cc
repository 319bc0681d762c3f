// Conv2D, DepthwiseConv2dNative and their backprops (TF 1.x's nn_ops.cc /
// nn_grad.py), and tf::nn::conv2d / conv1d / conv2d_transpose /
// depthwise_conv2d / separable_conv2d.
#include <algorithm>

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

// input: [N, H, W, C] or [N, C, H, W], filter: [KH, KW, C, OC] (depthwise:
// [KH, KW, C, M], OC = C * M) -> the output in input's format. Unknown dims
// stay unknown.
TensorShape conv_output_shape(const InferenceContext& c, const TensorShape& in,
                              const TensorShape& filter, bool depthwise) {
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
  const int64_t out_c = !depthwise ? k[3] : (k[2] < 0 || k[3] < 0 ? -1 : k[2] * k[3]);
  return TensorShape(f.dims(i[f.n()], out(f.h(), k[0]), out(f.w(), k[1]), out_c));
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

// A convolution and its two backprops: Conv2D's or DepthwiseConv2dNative's
// (the same gradients, TF's _Conv2DGrad / _DepthwiseConv2dNativeGrad, with
// the family's ops).
struct Family {
  std::string forward, backprop_input, backprop_filter;
  bool depthwise;
};
const Family kConv2DFamily{"Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", false};
const Family kDepthwiseFamily{"DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
                              "DepthwiseConv2dNativeBackpropFilter", true};

// (dL/dinput, dL/dfilter).
OpDef forward_def(const Family& fam, std::vector<std::string> inputs) {
  return OpDef{
      .name = fam.forward,
      .inputs = std::move(inputs),
      .outputs = {"output: T"},
      .attrs = kConvAttrs,
      .shape_fn = [depthwise = fam.depthwise](InferenceContext& c) {
        shape_fns::require_same_dtypes(c);
        c.set_output(0, c.input_dtypes[0], conv_output_shape(c, c.input_shapes[0], c.input_shapes[1], depthwise));
      },
      .grad_fn = [fam](const Operation& op, const Grads& g) -> Grads {
        const AttrMap a = window_attrs(op);
        const Tensor input = op.input(0), filter = op.input(1);
        return {op_builder::create1(fam.backprop_input, {window::sizes_of(input), filter, g[0]}, a),
                op_builder::create1(fam.backprop_filter, {input, window::sizes_of(filter), g[0]}, a)};
      },
      .zero_preserving = {"input", "filter"},
      .allocates_outputs = true,
  };
}

// dL/dinput: out_backprop [N, OH, OW, OC] (format) -> input_sizes. The
// filter's gradient is a backprop-filter of (grad, out_backprop);
// out_backprop's is the forward conv of (grad, filter).
OpDef backprop_input_def(const Family& fam, std::vector<std::string> inputs) {
  return OpDef{
      .name = fam.backprop_input,
      .inputs = std::move(inputs),
      .outputs = {"output: T"},
      .attrs = kConvAttrs,
      .shape_fn = [depthwise = fam.depthwise](InferenceContext& c) {
        const TensorShape in = sizes_shape(c, 0);
        const TensorShape out = conv_output_shape(c, in, c.input_shapes[1], depthwise);
        const TensorShape& given = c.input_shapes[2];
        if (given.has_rank() && given.rank() != 4)
          throw ShapeError("Shape must be rank 4 but is rank " + std::to_string(given.rank()));
        if (given.has_rank())
          for (int d = 0; d < 4; ++d)
            if (given.dim(d) >= 0 && out.dim(d) >= 0 && given.dim(d) != out.dim(d))
              throw ShapeError("Dimensions must be equal, but are " + std::to_string(given.dim(d)) + " and " +
                               std::to_string(out.dim(d)));
        c.set_output(0, c.input_dtypes[1], in);
      },
      .grad_fn = [fam](const Operation& op, const Grads& g) -> Grads {
        const AttrMap a = window_attrs(op);
        const Tensor filter = op.input(1), dy = op.input(2);
        return {Tensor(), op_builder::create1(fam.backprop_filter, {g[0], window::sizes_of(filter), dy}, a),
                op_builder::create1(fam.forward, {g[0], filter}, a)};
      },
      .allocates_outputs = true,
  };
}

// dL/dfilter -> filter_sizes [KH, KW, C, OC or M].
OpDef backprop_filter_def(const Family& fam, std::vector<std::string> inputs) {
  return OpDef{
      .name = fam.backprop_filter,
      .inputs = std::move(inputs),
      .outputs = {"output: T"},
      .attrs = kConvAttrs,
      .shape_fn = [depthwise = fam.depthwise](InferenceContext& c) {
        const TensorShape filter = sizes_shape(c, 1);
        conv_output_shape(c, c.input_shapes[0], filter, depthwise);  // the checks
        c.set_output(0, c.input_dtypes[0], filter);
      },
      .grad_fn = [fam](const Operation& op, const Grads& g) -> Grads {
        const AttrMap a = window_attrs(op);
        const Tensor input = op.input(0), dy = op.input(2);
        return {op_builder::create1(fam.backprop_input, {window::sizes_of(input), g[0], dy}, a), Tensor(),
                op_builder::create1(fam.forward, {input, g[0]}, a)};
      },
      .allocates_outputs = true,
  };
}

KPP_REGISTER_OP(forward_def(kConv2DFamily, schema::kConv2D.specs()));
KPP_REGISTER_OP(backprop_input_def(kConv2DFamily, schema::kConv2DBackpropInput.specs()));
KPP_REGISTER_OP(backprop_filter_def(kConv2DFamily, schema::kConv2DBackpropFilter.specs()));
KPP_REGISTER_OP(forward_def(kDepthwiseFamily, schema::kDepthwiseConv2dNative.specs()));
KPP_REGISTER_OP(backprop_input_def(kDepthwiseFamily, schema::kDepthwiseConv2dNativeBackpropInput.specs()));
KPP_REGISTER_OP(backprop_filter_def(kDepthwiseFamily, schema::kDepthwiseConv2dNativeBackpropFilter.specs()));

// Plan-made (fuse.h): Conv2D -> BiasAdd (-> Relu) as one oneDNN convolution
// with a bias and a relu post-op. The rows require BiasAdd's data_format to
// be the convolution's (a bias along another axis is another op).
OpDef fused_conv2d_def(const char* name) {
  return OpDef{.name = name,
               .inputs = schema::kFusedConv2D.specs(),
               .outputs = {"output: T"},
               .attrs = {"T: {float}", "strides: list(int)", "padding: {'SAME', 'VALID'}",
                         "data_format: {'NHWC', 'NCHW'} = 'NHWC'", "dilations: list(int) = [1, 1, 1, 1]",
                         "use_cudnn_on_gpu: bool = true"},
               .differentiable = false,
               .allocates_outputs = true,
               .plan_only = true};
}

KPP_REGISTER_OP(fused_conv2d_def("_FusedConv2D"));
KPP_REGISTER_FUSION(FusionPattern{.fused_op = "_FusedConv2D",
                                  .chain = {{"Conv2D", ""}, {"BiasAdd", "value"}},
                                  .inputs = {{0, "input"}, {0, "filter"}, {1, "bias"}},
                                  .outputs = {1},
                                  .same_attrs = {{"data_format", {0, 1}}}});

KPP_REGISTER_OP(fused_conv2d_def("_FusedConv2DRelu"));
KPP_REGISTER_FUSION(FusionPattern{.fused_op = "_FusedConv2DRelu",
                                  .chain = {{"Conv2D", ""}, {"BiasAdd", "value"}, {"Relu", "features"}},
                                  .inputs = {{0, "input"}, {0, "filter"}, {1, "bias"}},
                                  .outputs = {2},
                                  .same_attrs = {{"data_format", {0, 1}}}});

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

namespace {

std::string dims_str(const TensorShape& s) { return s.has_rank() ? s.str() : "<unknown>"; }

// TF's check in depthwise_conv2d / separable_conv2d: rate [2] > 1 needs unit
// strides. Returns the 4-value dilations in data_format's order.
std::vector<int64_t> rate_dilations(const std::vector<int64_t>& strides, const std::vector<int64_t>& rate,
                                    const std::string& data_format) {
  if (rate.size() != 2) throw keraspp::ValueError("rate must be two-dimensional.");
  const bool dilated = rate[0] != 1 || rate[1] != 1;
  if (dilated && std::any_of(strides.begin(), strides.end(), [](int64_t v) { return v != 1; }))
    throw keraspp::ValueError("strides > 1 not supported in conjunction with dilation_rate > 1");
  return data_format == "NCHW" ? std::vector<int64_t>{1, 1, rate[0], rate[1]}
                               : std::vector<int64_t>{1, rate[0], rate[1], 1};
}

}  // namespace

Tensor depthwise_conv2d(const Tensor& input, const Tensor& filter, const std::vector<int64_t>& strides,
                        const std::string& padding, const std::vector<int64_t>& rate, const std::string& name,
                        const std::string& data_format) {
  const std::vector<int64_t> dilations = rate_dilations(strides, rate, data_format);
  name_scope scope(name.empty() ? "depthwise" : name);
  return op_builder::create1(
      "DepthwiseConv2dNative", {input, filter},
      {{"strides", strides}, {"padding", padding}, {"data_format", data_format}, {"dilations", dilations}},
      scope.name());
}

Tensor separable_conv2d(const Tensor& input, const Tensor& depthwise_filter, const Tensor& pointwise_filter,
                        const std::vector<int64_t>& strides, const std::string& padding,
                        const std::vector<int64_t>& rate, const std::string& name,
                        const std::string& data_format) {
  const TensorShape& dw = depthwise_filter.shape();
  const TensorShape& pw = pointwise_filter.shape();
  if (dw.has_rank() && dw.rank() != 4)
    throw keraspp::ValueError("Shape must be rank 4 but is rank " + std::to_string(dw.rank()));
  if (pw.has_rank() && pw.rank() != 4)
    throw keraspp::ValueError("Shape must be rank 4 but is rank " + std::to_string(pw.rank()));
  if (pw.has_rank() && ((pw.dim(0) >= 0 && pw.dim(0) != 1) || (pw.dim(1) >= 0 && pw.dim(1) != 1)))
    throw keraspp::ValueError("Dimensions must be equal, but are " + std::to_string(pw.dim(0)) + " and 1");
  const std::vector<int64_t> dilations = rate_dilations(strides, rate, data_format);
  name_scope scope(name.empty() ? "separable_conv2d" : name);
  const Tensor depthwise = op_builder::create1(
      "DepthwiseConv2dNative", {input, depthwise_filter},
      {{"strides", strides}, {"padding", padding}, {"data_format", data_format}, {"dilations", dilations}},
      "depthwise");
  return conv2d(depthwise, pointwise_filter, {1, 1, 1, 1}, "VALID", data_format, {1, 1, 1, 1}, scope.name());
}

// TF 1.x's conv2d_transpose: Conv2DBackpropInput with value as the
// out_backprop, under a "conv2d_transpose" scope, after TF's checks.
Tensor conv2d_transpose(const Tensor& value, const Tensor& filter, const Tensor& output_shape,
                        const std::vector<int64_t>& strides, const std::string& padding,
                        const std::string& data_format, const std::string& name) {
  if (data_format != "NHWC" && data_format != "NCHW")
    throw keraspp::ValueError("data_format has to be either NCHW or NHWC.");
  const int axis = data_format == "NHWC" ? 3 : 1;
  const TensorShape& v = value.shape();
  const TensorShape& f = filter.shape();
  if (v.has_rank() && v.rank() != 4)
    throw keraspp::ValueError("Shape must be rank 4 but is rank " + std::to_string(v.rank()));
  if (f.has_rank() && f.rank() != 4)
    throw keraspp::ValueError("Shape must be rank 4 but is rank " + std::to_string(f.rank()));
  if (v.has_rank() && f.has_rank() && v.dim(axis) >= 0 && f.dim(3) >= 0 && v.dim(axis) != f.dim(3))
    throw keraspp::ValueError("input channels does not match filter's input channels, " +
                              std::to_string(v.dim(axis)) + " != " + std::to_string(f.dim(3)));
  const TensorShape& os = output_shape.shape();
  if (os.has_rank() && (os.rank() != 1 || (os.dim(0) >= 0 && os.dim(0) != 4)))
    throw keraspp::ValueError("output_shape must have shape (4,), got " + dims_str(os));
  if (padding != "VALID" && padding != "SAME")
    throw keraspp::ValueError("padding must be either VALID or SAME: " + padding);
  name_scope scope(name.empty() ? "conv2d_transpose" : name);
  return op_builder::create1("Conv2DBackpropInput", {output_shape, filter, value},
                             {{"strides", strides}, {"padding", padding}, {"data_format", data_format}},
                             scope.name());
}

Tensor conv2d_transpose(const Tensor& value, const Tensor& filter, const std::vector<int64_t>& output_shape,
                        const std::vector<int64_t>& strides, const std::string& padding,
                        const std::string& data_format, const std::string& name) {
  if (output_shape.size() != 4)
    throw keraspp::ValueError("output_shape must have shape (4,), got (" + std::to_string(output_shape.size()) +
                              ",)");
  const int axis = data_format == "NCHW" ? 1 : 3;
  const TensorShape& f = filter.shape();
  if (f.has_rank() && f.rank() == 4 && f.dim(2) >= 0 && output_shape[static_cast<size_t>(axis)] != f.dim(2))
    throw keraspp::ValueError("output_shape does not match filter's output channels, " +
                              std::to_string(output_shape[static_cast<size_t>(axis)]) + " != " +
                              std::to_string(f.dim(2)));
  std::vector<int32_t> v(output_shape.begin(), output_shape.end());
  return conv2d_transpose(value, filter, constant(np::Array::from_vector(v, {4})), strides, padding,
                          data_format, name);
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
