// Conv2DTranspose and SeparableConv2D (Keras 2.0.x's convolutional.py):
// weights, calls through K::conv2d_transpose / K::separable_conv2d, output
// shapes, configs and their from_config registrations.
#include "keraspp/keras/layers/conv2d_variants.h"

#include <algorithm>

#include "conv_from_config.h"
#include "conv_utils.h"
#include "keraspp/keras/engine/config.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

// Keras's checks shared by the two layers' constructors.
void check_conv_arguments(const std::string& name, int64_t filters, IntPair kernel_size, IntPair strides) {
  if (filters <= 0)
    throw keraspp::ValueError("Layer " + name + ": `filters` must be a positive integer, got " +
                              std::to_string(filters));
  if (kernel_size.rows <= 0 || kernel_size.cols <= 0)
    throw keraspp::ValueError("Layer " + name + ": `kernel_size` must be positive, got (" +
                              std::to_string(kernel_size.rows) + ", " + std::to_string(kernel_size.cols) + ")");
  if (strides.rows <= 0 || strides.cols <= 0)
    throw keraspp::ValueError("Layer " + name + ": `strides` must be positive, got (" +
                              std::to_string(strides.rows) + ", " + std::to_string(strides.cols) + ")");
}

// The input's channel count; Keras's ValueErrors for a shape that is not
// rank 4 or an unknown channel dimension.
int64_t input_channels(const std::string& class_name, const tf::TensorShape& s, int channel_axis) {
  if (!s.has_rank() || s.rank() != 4)
    throw keraspp::ValueError("Inputs to `" + class_name + "` should have rank 4. Received input shape: " +
                              s.keras_str());
  const int64_t c = s.dim(channel_axis);
  if (c < 0)
    throw keraspp::ValueError("The channel dimension of the inputs to `" + class_name +
                              "` should be defined. Found `None`.");
  return c;
}

// Keras's conv_utils.deconv_length.
int64_t deconv_length(int64_t dim, int64_t stride, int64_t kernel, const std::string& padding) {
  if (dim < 0) return -1;
  if (padding == "valid") return dim * stride + std::max<int64_t>(kernel - stride, 0);
  return dim * stride;
}

}  // namespace

// ---- Conv2DTranspose --------------------------------------------------------------

Conv2DTransposeImpl::Conv2DTransposeImpl(int64_t filters_, IntPair kernel_size_, const Conv2DTransposeOptions& o)
    : UnaryLayerImpl("Conv2DTranspose", engine::common_options(o)),
      filters(filters_),
      kernel_size(kernel_size_),
      options(o),
      data_format(conv_utils::normalize_data_format(o.data_format)) {
  check_conv_arguments(name, filters, kernel_size, o.strides);
  options.padding = conv_utils::normalize_padding(o.padding);
  activity_regularizer = o.activity_regularizer;
  input_spec = {InputSpec{.ndim = 4}};
}

void Conv2DTransposeImpl::build(const tf::TensorShape& input_shape) {
  const int channel_axis = data_format == "channels_first" ? 1 : -1;
  const int64_t input_dim = input_channels("Conv2DTranspose", input_shape, channel_axis);
  kernel = add_weight("kernel", {kernel_size.rows, kernel_size.cols, filters, input_dim},
                      options.kernel_initializer, options.kernel_regularizer, true, options.kernel_constraint);
  if (options.use_bias)
    bias = add_weight("bias", {filters}, options.bias_initializer, options.bias_regularizer, true,
                      options.bias_constraint);
  input_spec = {InputSpec{.ndim = 4, .axes = {{channel_axis, input_dim}}}};
}

tf::TensorShape Conv2DTransposeImpl::compute_output_shape(const tf::TensorShape& s) {
  if (!s.has_rank() || s.rank() != 4)
    throw keraspp::ValueError("Conv2DTranspose " + name + " needs a rank-4 input shape, got " + s.keras_str());
  const bool first = data_format == "channels_first";
  const int64_t rows = deconv_length(s.dim(first ? 2 : 1), options.strides.rows, kernel_size.rows, options.padding);
  const int64_t cols = deconv_length(s.dim(first ? 3 : 2), options.strides.cols, kernel_size.cols, options.padding);
  return first ? tf::TensorShape({s.dim(0), filters, rows, cols}) : tf::TensorShape({s.dim(0), rows, cols, filters});
}

tf::Tensor Conv2DTransposeImpl::call(const tf::Tensor& inputs, const CallArgs&) {
  const tf::TensorShape out = compute_output_shape(inputs.shape());
  if (!out.has_rank() || out.dim(1) < 0 || out.dim(2) < 0 || out.dim(3) < 0)
    throw keraspp::ValueError("Layer " + name + " needs inputs whose rows and cols are known, got " +
                              inputs.shape().keras_str());
  tf::Tensor outputs =
      K::conv2d_transpose(inputs, kernel.value(), out.dims(), options.strides, options.padding, data_format);
  if (options.use_bias) outputs = K::bias_add(outputs, bias.value(), data_format);
  return options.activation(outputs);
}

// Conv2D's keys without dilation_rate, as Keras 2.0 pops it.
Config Conv2DTransposeImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["filters"] = filters;
  c["kernel_size"] = conv_utils::pair_config(kernel_size);
  c["strides"] = conv_utils::pair_config(options.strides);
  c["padding"] = options.padding;
  c["data_format"] = data_format;
  add_kernel_bias_config(c, options);
  return c;
}

Conv2DTranspose::Conv2DTranspose(int64_t filters, IntPair kernel_size, const Conv2DTransposeOptions& options)
    : Layer(std::make_shared<Conv2DTransposeImpl>(filters, kernel_size, options)) {}

static const LayerRegistration kConv2DTranspose(
    "Conv2DTranspose", [](const Config& c, const CustomObjects& objects) -> Layer {
      const std::string w = conv_config::what(c, "Conv2DTranspose");
      auto o = with_common_options(Conv2DTransposeOptions{}, c);
      o.strides = conv_config::pair(c, "strides", 1, w);
      o.padding = conv_config::string_or(c, "padding", "valid", w);
      o.data_format = conv_config::string_or(c, "data_format", "", w);
      conv_config::read_kernel_bias_options(o, c, objects);
      saving::require(c, "kernel_size", w);
      return Conv2DTranspose(saving::as_int(saving::require(c, "filters", w), w + " 'filters'"),
                             conv_config::pair(c, "kernel_size", 1, w), o);
    });

// ---- SeparableConv2D ------------------------------------------------------------------

SeparableConv2DImpl::SeparableConv2DImpl(int64_t filters_, IntPair kernel_size_, const SeparableConv2DOptions& o)
    : UnaryLayerImpl("SeparableConv2D", engine::common_options(o)),
      filters(filters_),
      kernel_size(kernel_size_),
      options(o),
      data_format(conv_utils::normalize_data_format(o.data_format)) {
  check_conv_arguments(name, filters, kernel_size, o.strides);
  if (o.depth_multiplier <= 0)
    throw keraspp::ValueError("Layer " + name + ": `depth_multiplier` must be a positive integer, got " +
                              std::to_string(o.depth_multiplier));
  options.padding = conv_utils::normalize_padding(o.padding);
  activity_regularizer = o.activity_regularizer;
  input_spec = {InputSpec{.ndim = 4}};
}

void SeparableConv2DImpl::build(const tf::TensorShape& input_shape) {
  const int channel_axis = data_format == "channels_first" ? 1 : -1;
  const int64_t input_dim = input_channels("SeparableConv2D", input_shape, channel_axis);
  depthwise_kernel = add_weight("depthwise_kernel", {kernel_size.rows, kernel_size.cols, input_dim,
                                                     options.depth_multiplier},
                                options.depthwise_initializer, options.depthwise_regularizer, true,
                                options.depthwise_constraint);
  pointwise_kernel = add_weight("pointwise_kernel", {1, 1, input_dim * options.depth_multiplier, filters},
                                options.pointwise_initializer, options.pointwise_regularizer, true,
                                options.pointwise_constraint);
  if (options.use_bias)
    bias = add_weight("bias", {filters}, options.bias_initializer, options.bias_regularizer, true,
                      options.bias_constraint);
  input_spec = {InputSpec{.ndim = 4, .axes = {{channel_axis, input_dim}}}};
}

tf::Tensor SeparableConv2DImpl::call(const tf::Tensor& inputs, const CallArgs&) {
  tf::Tensor outputs = K::separable_conv2d(inputs, depthwise_kernel.value(), pointwise_kernel.value(),
                                           options.strides, options.padding, data_format);
  if (options.use_bias) outputs = K::bias_add(outputs, bias.value(), data_format);
  return options.activation(outputs);
}

tf::TensorShape SeparableConv2DImpl::compute_output_shape(const tf::TensorShape& s) {
  if (!s.has_rank() || s.rank() != 4)
    throw keraspp::ValueError("SeparableConv2D " + name + " needs a rank-4 input shape, got " + s.keras_str());
  const bool first = data_format == "channels_first";
  const int64_t rows = conv_utils::conv_output_length(s.dim(first ? 2 : 1), kernel_size.rows, options.padding,
                                                      options.strides.rows);
  const int64_t cols = conv_utils::conv_output_length(s.dim(first ? 3 : 2), kernel_size.cols, options.padding,
                                                      options.strides.cols);
  return first ? tf::TensorShape({s.dim(0), filters, rows, cols}) : tf::TensorShape({s.dim(0), rows, cols, filters});
}

// Conv2D's keys without the kernel_* ones, then the depthwise / pointwise
// ones, in Keras 2.0's order.
Config SeparableConv2DImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["filters"] = filters;
  c["kernel_size"] = conv_utils::pair_config(kernel_size);
  c["strides"] = conv_utils::pair_config(options.strides);
  c["padding"] = options.padding;
  c["data_format"] = data_format;
  c["dilation_rate"] = conv_utils::pair_config(1);
  c["activation"] = activations::serialize(options.activation);
  c["use_bias"] = options.use_bias;
  c["bias_initializer"] = layers::serialize(options.bias_initializer.get());
  c["bias_regularizer"] = layers::serialize(options.bias_regularizer);
  c["activity_regularizer"] = layers::serialize(options.activity_regularizer);
  c["bias_constraint"] = layers::serialize(options.bias_constraint);
  c["depth_multiplier"] = options.depth_multiplier;
  c["depthwise_initializer"] = layers::serialize(options.depthwise_initializer.get());
  c["pointwise_initializer"] = layers::serialize(options.pointwise_initializer.get());
  c["depthwise_regularizer"] = layers::serialize(options.depthwise_regularizer);
  c["pointwise_regularizer"] = layers::serialize(options.pointwise_regularizer);
  c["depthwise_constraint"] = layers::serialize(options.depthwise_constraint);
  c["pointwise_constraint"] = layers::serialize(options.pointwise_constraint);
  return c;
}

SeparableConv2D::SeparableConv2D(int64_t filters, IntPair kernel_size, const SeparableConv2DOptions& options)
    : Layer(std::make_shared<SeparableConv2DImpl>(filters, kernel_size, options)) {}

static const LayerRegistration kSeparableConv2D(
    "SeparableConv2D", [](const Config& c, const CustomObjects& objects) -> Layer {
      const std::string w = conv_config::what(c, "SeparableConv2D");
      auto o = with_common_options(SeparableConv2DOptions{}, c);
      o.strides = conv_config::pair(c, "strides", 1, w);
      o.padding = conv_config::string_or(c, "padding", "valid", w);
      o.data_format = conv_config::string_or(c, "data_format", "", w);
      if (conv_config::pair(c, "dilation_rate", 1, w) != IntPair(1))
        throw keraspp::ValueError(w + ": dilation_rate other than 1 is not supported");
      o.depth_multiplier = saving::optional_int(c, "depth_multiplier", w).value_or(1);
      conv_config::read_bias_options(o, c, objects);
      if (const Config* v = saving::find(c, "depthwise_initializer")) o.depthwise_initializer = initializers::deserialize(*v, objects);
      if (const Config* v = saving::find(c, "pointwise_initializer")) o.pointwise_initializer = initializers::deserialize(*v, objects);
      o.depthwise_regularizer = regularizers::deserialize(c.value("depthwise_regularizer", Config()), objects);
      o.pointwise_regularizer = regularizers::deserialize(c.value("pointwise_regularizer", Config()), objects);
      o.depthwise_constraint = constraints::deserialize(c.value("depthwise_constraint", Config()), objects);
      o.pointwise_constraint = constraints::deserialize(c.value("pointwise_constraint", Config()), objects);
      saving::require(c, "kernel_size", w);
      return SeparableConv2D(saving::as_int(saving::require(c, "filters", w), w + " 'filters'"),
                             conv_config::pair(c, "kernel_size", 1, w), o);
    });

}  // namespace keras::layers
