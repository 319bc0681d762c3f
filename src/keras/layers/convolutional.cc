// Conv1D and Conv2D (Keras 2.0.2's _Conv with rank 1 and 2): kernel / bias
// weights and activation(bias_add(conv(x, kernel))).
#include "keraspp/keras/layers/convolutional.h"

#include "keraspp/keras/engine/config.h"
#include "conv_utils.h"
#include "layer_config.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

Conv2DImpl::Conv2DImpl(int64_t filters_, IntPair kernel_size_, const Conv2DOptions& o)
    : UnaryLayerImpl("Conv2D", engine::common_options(o)),
      filters(filters_),
      kernel_size(kernel_size_),
      options(o),
      data_format(conv_utils::normalize_data_format(o.data_format)) {
  if (filters <= 0)
    throw keraspp::ValueError("Layer " + name + ": `filters` must be a positive integer, got " +
                              std::to_string(filters));
  if (kernel_size.rows <= 0 || kernel_size.cols <= 0)
    throw keraspp::ValueError("Layer " + name + ": `kernel_size` must be positive, got (" +
                              std::to_string(kernel_size.rows) + ", " + std::to_string(kernel_size.cols) + ")");
  options.padding = conv_utils::normalize_padding(o.padding);
  activity_regularizer = o.activity_regularizer;
  input_spec = {InputSpec{.ndim = 4}};
}

void Conv2DImpl::build(const tf::TensorShape& input_shape) {
  const int channel_axis = data_format == "channels_first" ? 1 : -1;
  if (!input_shape.has_rank() || input_shape.rank() != 4)
    throw keraspp::ValueError("Input 0 is incompatible with layer " + name + ": expected ndim=4, found ndim=" +
                              (input_shape.has_rank() ? std::to_string(input_shape.rank()) : "None"));
  const int64_t input_dim = input_shape.dim(channel_axis);
  if (input_dim < 0)
    throw keraspp::ValueError("The channel dimension of the inputs should be defined. Found `None`.");
  kernel = add_weight("kernel", {kernel_size.rows, kernel_size.cols, input_dim, filters},
                      options.kernel_initializer, options.kernel_regularizer, true, options.kernel_constraint);
  if (options.use_bias)
    bias = add_weight("bias", {filters}, options.bias_initializer, options.bias_regularizer, true,
                      options.bias_constraint);
  input_spec = {InputSpec{.ndim = 4, .axes = {{channel_axis, input_dim}}}};
}

tf::Tensor Conv2DImpl::call(const tf::Tensor& inputs, const CallArgs&) {
  tf::Tensor outputs =
      K::conv2d(inputs, kernel.value(), options.strides, options.padding, data_format, options.dilation_rate);
  if (options.use_bias) outputs = K::bias_add(outputs, bias.value(), data_format);
  return options.activation(outputs);
}

tf::TensorShape Conv2DImpl::compute_output_shape(const tf::TensorShape& input_shape) {
  if (!input_shape.has_rank() || input_shape.rank() != 4)
    throw keraspp::ValueError("Conv2D " + name + " needs a rank-4 input shape, got " + input_shape.keras_str());
  const bool first = data_format == "channels_first";
  const int64_t rows = conv_utils::conv_output_length(input_shape.dim(first ? 2 : 1), kernel_size.rows,
                                                      options.padding, options.strides.rows,
                                                      options.dilation_rate.rows);
  const int64_t cols = conv_utils::conv_output_length(input_shape.dim(first ? 3 : 2), kernel_size.cols,
                                                      options.padding, options.strides.cols,
                                                      options.dilation_rate.cols);
  const int64_t batch = input_shape.dim(0);
  return first ? tf::TensorShape({batch, filters, rows, cols}) : tf::TensorShape({batch, rows, cols, filters});
}

Config Conv2DImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["filters"] = filters;
  c["kernel_size"] = conv_utils::pair_config(kernel_size);
  c["strides"] = conv_utils::pair_config(options.strides);
  c["padding"] = options.padding;
  c["data_format"] = data_format;
  c["dilation_rate"] = conv_utils::pair_config(options.dilation_rate);
  add_kernel_bias_config(c, options);
  return c;
}

Conv1DImpl::Conv1DImpl(int64_t filters_, int64_t kernel_size_, const Conv1DOptions& o)
    : UnaryLayerImpl("Conv1D", engine::common_options(o)), filters(filters_), kernel_size(kernel_size_), options(o) {
  if (filters <= 0)
    throw keraspp::ValueError("Layer " + name + ": `filters` must be a positive integer, got " +
                              std::to_string(filters));
  if (kernel_size <= 0)
    throw keraspp::ValueError("Layer " + name + ": `kernel_size` must be positive, got " + std::to_string(kernel_size));
  options.padding = conv_utils::normalize_padding(o.padding);
  activity_regularizer = o.activity_regularizer;
  input_spec = {InputSpec{.ndim = 3}};
}

void Conv1DImpl::build(const tf::TensorShape& input_shape) {
  if (!input_shape.has_rank() || input_shape.rank() != 3)
    throw keraspp::ValueError("Input 0 is incompatible with layer " + name + ": expected ndim=3, found ndim=" +
                              (input_shape.has_rank() ? std::to_string(input_shape.rank()) : "None"));
  const int64_t input_dim = input_shape.dim(-1);
  if (input_dim < 0)
    throw keraspp::ValueError("The channel dimension of the inputs should be defined. Found `None`.");
  kernel = add_weight("kernel", {kernel_size, input_dim, filters}, options.kernel_initializer,
                      options.kernel_regularizer, true, options.kernel_constraint);
  if (options.use_bias)
    bias = add_weight("bias", {filters}, options.bias_initializer, options.bias_regularizer, true,
                      options.bias_constraint);
  input_spec = {InputSpec{.ndim = 3, .axes = {{-1, input_dim}}}};
}

tf::Tensor Conv1DImpl::call(const tf::Tensor& inputs, const CallArgs&) {
  tf::Tensor outputs = K::conv1d(inputs, kernel.value(), options.strides, options.padding, options.dilation_rate);
  if (options.use_bias) outputs = K::bias_add(outputs, bias.value(), "channels_last");
  return options.activation(outputs);
}

tf::TensorShape Conv1DImpl::compute_output_shape(const tf::TensorShape& s) {
  if (!s.has_rank() || s.rank() != 3)
    throw keraspp::ValueError("Conv1D " + name + " needs a rank-3 input shape, got " + s.keras_str());
  return tf::TensorShape({s.dim(0),
                          conv_utils::conv_output_length(s.dim(1), kernel_size, options.padding, options.strides,
                                                         options.dilation_rate),
                          filters});
}

Config Conv1DImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["filters"] = filters;
  c["kernel_size"] = Config::array({kernel_size});
  c["strides"] = Config::array({options.strides});
  c["padding"] = options.padding;
  c["dilation_rate"] = Config::array({options.dilation_rate});
  add_kernel_bias_config(c, options);
  return c;
}

Conv1D::Conv1D(int64_t filters, int64_t kernel_size, const Conv1DOptions& options)
    : Layer(std::make_shared<Conv1DImpl>(filters, kernel_size, options)) {}

Conv2D::Conv2D(int64_t filters, IntPair kernel_size, const Conv2DOptions& options)
    : Layer(std::make_shared<Conv2DImpl>(filters, kernel_size, options)) {}

// ---- from_config (Keras 2.x, tf.keras and Keras 3 spellings) ---------------------

namespace {

Layer conv2d_from_config(const Config& c, const CustomObjects& objects) {
  const std::string w = layer_config::what(c, "Conv2D");
  Conv2DOptions o = with_common_options(Conv2DOptions{}, c);
  if (const Config* v = saving::find(c, "strides")) o.strides = layer_config::int_pair(*v, w + " 'strides'");
  o.padding = layer_config::string_or(c, "padding", o.padding, w);
  o.data_format = layer_config::string_or(c, "data_format", o.data_format, w);
  if (const Config* v = saving::find(c, "dilation_rate")) o.dilation_rate = layer_config::int_pair(*v, w + " 'dilation_rate'");
  if (saving::number_or(c, "groups", 1, w) != 1)
    throw keraspp::ValueError(w + ": grouped convolutions (groups != 1) are not supported");
  layer_config::read_kernel_bias_config(o, c, objects, w);
  return Conv2D(saving::as_int(saving::require(c, "filters", w), w + " 'filters'"),
                layer_config::int_pair(saving::require(c, "kernel_size", w), w + " 'kernel_size'"), o);
}

Layer conv1d_from_config(const Config& c, const CustomObjects& objects) {
  const std::string w = layer_config::what(c, "Conv1D");
  Conv1DOptions o = with_common_options(Conv1DOptions{}, c);
  if (const Config* v = saving::find(c, "strides")) o.strides = layer_config::single_int(*v, w + " 'strides'");
  o.padding = layer_config::string_or(c, "padding", o.padding, w);
  if (const Config* v = saving::find(c, "dilation_rate")) o.dilation_rate = layer_config::single_int(*v, w + " 'dilation_rate'");
  // tf.keras and Keras 3 write data_format; Keras++'s Conv1D is channels_last only.
  if (layer_config::string_or(c, "data_format", "channels_last", w) != "channels_last")
    throw keraspp::ValueError(w + ": only data_format \"channels_last\" is supported for Conv1D");
  if (saving::number_or(c, "groups", 1, w) != 1)
    throw keraspp::ValueError(w + ": grouped convolutions (groups != 1) are not supported");
  layer_config::read_kernel_bias_config(o, c, objects, w);
  return Conv1D(saving::as_int(saving::require(c, "filters", w), w + " 'filters'"),
                layer_config::single_int(saving::require(c, "kernel_size", w), w + " 'kernel_size'"), o);
}

[[maybe_unused]] const LayerRegistration kConv2D("Conv2D", conv2d_from_config);
[[maybe_unused]] const LayerRegistration kConv1D("Conv1D", conv1d_from_config);

}  // namespace

}  // namespace keras::layers
