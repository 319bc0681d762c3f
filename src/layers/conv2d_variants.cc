// tf.layers.conv2d_transpose / Conv2DTranspose and separable_conv2d /
// SeparableConv2D (TF 1.x's layers/convolutional.py).
#include "keraspp/layers/conv2d_variants.h"

#include <algorithm>

#include "conv_args.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/nn_conv_ops.h"
#include "keraspp/ops/nn_ops.h"
#include "keraspp/ops/stack_ops.h"

namespace tf::layers {

namespace {

// TF's utils.normalize_padding / normalize_data_format and the argument
// checks, before the layer captures its scope; returns the default name.
std::string checked(const std::string& padding, const std::string& data_format, const std::string& base_name,
                    int64_t filters, IntPair kernel_size, IntPair strides) {
  conv_args::checked_padding(padding);
  conv_args::checked_format(data_format);
  if (filters <= 0)
    throw keraspp::ValueError(base_name + ": filters must be a positive integer, got " + std::to_string(filters));
  if (kernel_size.rows <= 0 || kernel_size.cols <= 0 || strides.rows <= 0 || strides.cols <= 0)
    throw keraspp::ValueError(base_name + ": kernel_size and strides must be positive");
  return base_name;
}

using conv_args::window_list;

// The input's channel count; ValueErrors for a non-rank-4 input or unknown channels.
int64_t channels(const std::string& name, const TensorShape& s, bool nchw) {
  if (!s.has_rank() || s.rank() != 4)
    throw keraspp::ValueError("Input 0 of layer " + name + " is incompatible with the layer: expected ndim=4, found ndim=" +
                              (s.has_rank() ? std::to_string(s.rank()) : "None"));
  const int64_t in = s.dim(nchw ? 1 : -1);
  if (in < 0) throw keraspp::ValueError("The channel dimension of the inputs should be defined. Found `None`.");
  return in;
}

Tensor finish(Tensor outputs, const Variable& bias, bool use_bias, bool nchw, const Activation& activation) {
  if (use_bias) outputs = nn::bias_add(outputs, bias.value(), nchw ? "NCHW" : "NHWC");
  return activation ? activation(outputs) : outputs;
}

struct Conv2DTransposeImpl : Layer::Impl {
  Conv2DTransposeImpl(int64_t filters_, IntPair kernel_size_, const Conv2DTransposeOptions& o)
      : Impl(checked(o.padding, o.data_format, "conv2d_transpose", filters_, kernel_size_, o.strides), o.trainable,
             o.name, o.reuse, o.activity_regularizer),
        filters(filters_),
        kernel_size(kernel_size_),
        opts(o) {}

  bool nchw() const { return opts.data_format == "channels_first"; }

  void build(const TensorShape& input_shape) override {
    const int64_t in = channels(name, input_shape, nchw());
    kernel = add_variable("kernel", TensorShape({kernel_size.rows, kernel_size.cols, filters, in}),
                          opts.kernel_initializer, opts.kernel_regularizer);
    if (opts.use_bias)
      bias = add_variable("bias", TensorShape({filters}), opts.bias_initializer, opts.bias_regularizer);
  }

  // TF's deconv output length.
  int64_t out_length(int64_t in, int64_t k, int64_t s) const {
    return opts.padding == "valid" ? in * s + std::max<int64_t>(k - s, 0) : in * s;
  }

  Tensor call(const Tensor& inputs) const {
    const TensorShape& s = inputs.shape();
    const int64_t rows = s.dim(nchw() ? 2 : 1), cols = s.dim(nchw() ? 3 : 2);
    if (rows < 0 || cols < 0)
      throw keraspp::ValueError("conv2d_transpose needs inputs with known rows and cols, got " + s.str());
    const int64_t out_rows = out_length(rows, kernel_size.rows, opts.strides.rows);
    const int64_t out_cols = out_length(cols, kernel_size.cols, opts.strides.cols);
    const std::vector<int64_t> rest = nchw() ? std::vector<int64_t>{filters, out_rows, out_cols}
                                             : std::vector<int64_t>{out_rows, out_cols, filters};
    std::vector<int32_t> rest32(rest.begin(), rest.end());
    const Tensor output_shape = concat({slice(shape(inputs), std::vector<int64_t>{0}, std::vector<int64_t>{1}),
                                        constant(np::Array::from_vector(rest32, {3}))},
                                       0);
    Tensor outputs = nn::conv2d_transpose(inputs, kernel.value(), output_shape, window_list(opts.strides, nchw()),
                                          opts.padding == "same" ? "SAME" : "VALID", nchw() ? "NCHW" : "NHWC");
    outputs.set_shape(TensorShape({s.dim(0), rest[0], rest[1], rest[2]}));
    return finish(outputs, bias, opts.use_bias, nchw(), opts.activation);
  }

  int64_t filters;
  IntPair kernel_size;
  Conv2DTransposeOptions opts;
  Variable kernel, bias;
};

struct SeparableConv2DImpl : Layer::Impl {
  SeparableConv2DImpl(int64_t filters_, IntPair kernel_size_, const SeparableConv2DOptions& o)
      : Impl(checked(o.padding, o.data_format, "separable_conv2d", filters_, kernel_size_, o.strides), o.trainable,
             o.name, o.reuse, o.activity_regularizer),
        filters(filters_),
        kernel_size(kernel_size_),
        opts(o) {
    if (o.depth_multiplier <= 0)
      throw keraspp::ValueError("separable_conv2d: depth_multiplier must be a positive integer, got " +
                                std::to_string(o.depth_multiplier));
  }

  bool nchw() const { return opts.data_format == "channels_first"; }

  void build(const TensorShape& input_shape) override {
    const int64_t in = channels(name, input_shape, nchw());
    depthwise_kernel =
        add_variable("depthwise_kernel", TensorShape({kernel_size.rows, kernel_size.cols, in, opts.depth_multiplier}),
                     opts.depthwise_initializer, opts.depthwise_regularizer);
    pointwise_kernel = add_variable("pointwise_kernel", TensorShape({1, 1, in * opts.depth_multiplier, filters}),
                                    opts.pointwise_initializer, opts.pointwise_regularizer);
    if (opts.use_bias)
      bias = add_variable("bias", TensorShape({filters}), opts.bias_initializer, opts.bias_regularizer);
  }

  Tensor call(const Tensor& inputs) const {
    const Tensor outputs = nn::separable_conv2d(
        inputs, depthwise_kernel.value(), pointwise_kernel.value(), window_list(opts.strides, nchw()),
        opts.padding == "same" ? "SAME" : "VALID", {opts.dilation_rate.rows, opts.dilation_rate.cols}, "",
        nchw() ? "NCHW" : "NHWC");
    return finish(outputs, bias, opts.use_bias, nchw(), opts.activation);
  }

  int64_t filters;
  IntPair kernel_size;
  SeparableConv2DOptions opts;
  Variable depthwise_kernel, pointwise_kernel, bias;
};

template <class L> Tensor apply_layer(L* layer, const Tensor& inputs) {
  return layer->apply(inputs, [layer](const Tensor& x) { return layer->call(x); });
}

}  // namespace

Conv2DTranspose::Conv2DTranspose(int64_t filters, IntPair kernel_size, const Conv2DTransposeOptions& opts)
    : Layer(std::make_shared<Conv2DTransposeImpl>(filters, kernel_size, opts)) {}
Tensor Conv2DTranspose::operator()(const Tensor& inputs) const {
  return apply_layer(static_cast<Conv2DTransposeImpl*>(impl_.get()), inputs);
}
Variable Conv2DTranspose::kernel() const { return static_cast<const Conv2DTransposeImpl*>(impl_.get())->kernel; }
Variable Conv2DTranspose::bias() const { return static_cast<const Conv2DTransposeImpl*>(impl_.get())->bias; }

// The functional forms take their name as the scope (TF's `_scope=name`).
Tensor conv2d_transpose(const Tensor& inputs, int64_t filters, IntPair kernel_size,
                        const Conv2DTransposeOptions& opts) {
  auto layer = std::make_shared<Conv2DTransposeImpl>(filters, kernel_size, opts);
  if (!opts.name.empty()) layer->capture_scope(opts.name);
  return apply_layer(layer.get(), inputs);
}

SeparableConv2D::SeparableConv2D(int64_t filters, IntPair kernel_size, const SeparableConv2DOptions& opts)
    : Layer(std::make_shared<SeparableConv2DImpl>(filters, kernel_size, opts)) {}
Tensor SeparableConv2D::operator()(const Tensor& inputs) const {
  return apply_layer(static_cast<SeparableConv2DImpl*>(impl_.get()), inputs);
}
Variable SeparableConv2D::depthwise_kernel() const {
  return static_cast<const SeparableConv2DImpl*>(impl_.get())->depthwise_kernel;
}
Variable SeparableConv2D::pointwise_kernel() const {
  return static_cast<const SeparableConv2DImpl*>(impl_.get())->pointwise_kernel;
}
Variable SeparableConv2D::bias() const { return static_cast<const SeparableConv2DImpl*>(impl_.get())->bias; }

Tensor separable_conv2d(const Tensor& inputs, int64_t filters, IntPair kernel_size,
                        const SeparableConv2DOptions& opts) {
  auto layer = std::make_shared<SeparableConv2DImpl>(filters, kernel_size, opts);
  if (!opts.name.empty()) layer->capture_scope(opts.name);
  return apply_layer(layer.get(), inputs);
}

}  // namespace tf::layers
