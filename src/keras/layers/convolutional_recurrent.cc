// ConvLSTM2D (Keras 2.0.x's convolutional_recurrent.py): Keras's step
// function, one input and one recurrent convolution per gate, iterated by
// K::rnn over time.
#include "keraspp/keras/layers/convolutional_recurrent.h"

#include "keraspp/keras/backend_rnn.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/stack_ops.h"
#include "keraspp/keras/serialization.h"
#include "../saving/config_reader.h"
#include "conv_utils.h"
#include "layer_config.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

// Keras's LSTM bias with unit_forget_bias: the f block starts at ones.
initializers::Initializer forget_bias_initializer(const initializers::Initializer& base, int64_t filters) {
  return initializers::Initializer(
      base.class_name(), base.get_config(), [base, filters](const std::vector<int64_t>&, tf::DType dt) {
        return tf::concat({base({filters}, dt), tf::ones({filters}, dt), base({2 * filters}, dt)}, 0);
      });
}

// Gate k's block (of `filters` output channels) of a [..., 4 * filters] weight.
tf::Tensor gate_block(const tf::Tensor& w, int k, int64_t filters) {
  std::vector<int64_t> begin(static_cast<size_t>(w.shape().rank()), 0), size(begin.size(), -1);
  begin.back() = k * filters;
  size.back() = filters;
  return tf::slice(w, begin, size);
}

const char* kStatefulBatchError =
    "If a RNN is stateful, it needs to know its batch size. Specify the batch size of your input "
    "tensors: \n- If using a Sequential model, specify the batch size by passing a `batch_input_shape` "
    "argument to your first layer.\n- If using the functional API, specify the time dimension by "
    "passing a `batch_shape` argument to your Input layer.";

}  // namespace

ConvLSTM2DImpl::ConvLSTM2DImpl(int64_t filters_, backend::IntPair kernel_size_, const ConvLSTM2DOptions& o)
    : UnaryLayerImpl("ConvLSTM2D", engine::common_options(o)),
      filters(filters_),
      kernel_size(kernel_size_),
      options(o),
      data_format(conv_utils::normalize_data_format(o.data_format)) {
  if (filters <= 0)
    throw keraspp::ValueError("Layer " + name + ": `filters` must be a positive integer, got " + std::to_string(filters));
  if (kernel_size.rows <= 0 || kernel_size.cols <= 0)
    throw keraspp::ValueError("Layer " + name + ": `kernel_size` must be positive, got (" +
                              std::to_string(kernel_size.rows) + ", " + std::to_string(kernel_size.cols) + ")");
  options.padding = conv_utils::normalize_padding(o.padding);
  options.dropout = std::min(1.0, std::max(0.0, o.dropout));
  options.recurrent_dropout = std::min(1.0, std::max(0.0, o.recurrent_dropout));
  activity_regularizer = o.activity_regularizer;
  supports_masking = true;
  uses_learning_phase = (options.dropout > 0 && options.dropout < 1) ||
                        (options.recurrent_dropout > 0 && options.recurrent_dropout < 1);
  input_spec = {InputSpec{.ndim = 5}};
}

tf::TensorShape ConvLSTM2DImpl::state_shape(const tf::TensorShape& x) const {
  const bool first = data_format == "channels_first";
  const int64_t rows = conv_utils::conv_output_length(x.dim(first ? 3 : 2), kernel_size.rows, options.padding,
                                                      options.strides.rows, options.dilation_rate.rows);
  const int64_t cols = conv_utils::conv_output_length(x.dim(first ? 4 : 3), kernel_size.cols, options.padding,
                                                      options.strides.cols, options.dilation_rate.cols);
  return first ? tf::TensorShape({x.dim(0), filters, rows, cols}) : tf::TensorShape({x.dim(0), rows, cols, filters});
}

void ConvLSTM2DImpl::build(const tf::TensorShape& s) {
  if (!s.has_rank() || s.rank() != 5)
    throw keraspp::ValueError("Input 0 is incompatible with layer " + name + ": expected ndim=5, found ndim=" +
                              (s.has_rank() ? std::to_string(s.rank()) : "None"));
  const int channel_axis = data_format == "channels_first" ? 2 : -1;
  const int64_t input_dim = s.dim(channel_axis);
  if (input_dim < 0)
    throw keraspp::ValueError("The channel dimension of the inputs should be defined. Found `None`.");
  input_spec = {InputSpec{.ndim = 5, .axes = {{channel_axis, input_dim}}}};
  kernel = add_weight("kernel", {kernel_size.rows, kernel_size.cols, input_dim, 4 * filters},
                      options.kernel_initializer, options.kernel_regularizer, true, options.kernel_constraint);
  recurrent_kernel = add_weight("recurrent_kernel", {kernel_size.rows, kernel_size.cols, filters, 4 * filters},
                                options.recurrent_initializer, options.recurrent_regularizer, true,
                                options.recurrent_constraint);
  if (options.use_bias) {
    const initializers::Initializer& b = options.bias_initializer;
    bias = add_weight("bias", {4 * filters}, options.unit_forget_bias ? forget_bias_initializer(b, filters) : b,
                      options.bias_regularizer, true, options.bias_constraint);
  }
  if (options.stateful) {
    const tf::TensorShape st = state_shape(s);
    if (!st.fully_defined()) throw keraspp::ValueError(kStatefulBatchError);
    for (int i = 0; i < 2; ++i) states.push_back(K::zeros(st.dims()));
  }
}

tf::Tensor ConvLSTM2DImpl::call(const tf::Tensor& inputs, const CallArgs& args) {
  const tf::Tensor x = inputs;
  const std::string& fmt = data_format;
  const int64_t input_dim = kernel.shape().dim(2);
  // Keras's input_conv (strides, padding, dilation; bias) and recurrent_conv ("same", stride 1).
  const auto input_conv = [&](const tf::Tensor& v, const tf::Tensor& w, const tf::Tensor& b) {
    const tf::Tensor out = K::conv2d(v, w, options.strides, options.padding, fmt, options.dilation_rate);
    return b ? K::bias_add(out, b, fmt) : out;
  };
  const auto recurrent_conv = [&](const tf::Tensor& v, const tf::Tensor& w) { return K::conv2d(v, w, 1, "same", fmt); };
  // Keras's initial state: the input convolution of zeros [batch, rows, cols, channels].
  const tf::Tensor zero_frame = tf::reduce_sum(tf::zeros_like(x), 1);
  const tf::Tensor zero_state = input_conv(
      zero_frame, tf::zeros({kernel_size.rows, kernel_size.cols, input_dim, filters}, x.dtype()), tf::Tensor());
  std::vector<tf::Tensor> init = options.stateful ? std::vector<tf::Tensor>{states[0].value(), states[1].value()}
                                                  : std::vector<tf::Tensor>{zero_state, zero_state};
  // Dropout masks, one per gate, drawn in the training phase (Keras's get_constants).
  std::vector<tf::Tensor> constants;
  const bool input_dropout = options.dropout > 0 && options.dropout < 1;
  const bool state_dropout = options.recurrent_dropout > 0 && options.recurrent_dropout < 1;
  const auto masks = [&](const tf::Tensor& ones, double rate) {
    for (int k = 0; k < 4; ++k)
      constants.push_back(K::in_train_phase([&] { return K::dropout(ones, rate); }, ones, args.training));
  };
  if (input_dropout) masks(zero_frame + 1.0, options.dropout);
  if (state_dropout) masks(zero_state + 1.0, options.recurrent_dropout);
  const tf::Tensor k_all = kernel.value(), r_all = recurrent_kernel.value();
  const tf::Tensor b_all = options.use_bias ? bias.value() : tf::Tensor();
  const K::StepFunction step = [&](const tf::Tensor& x_t, const std::vector<tf::Tensor>& s) {
    const tf::Tensor &h_tm1 = s[0], &c_tm1 = s[1];
    tf::Tensor z[4];
    for (int k = 0; k < 4; ++k) {
      const tf::Tensor in = input_dropout ? x_t * s[static_cast<size_t>(2 + k)] : x_t;
      const size_t rec_mask = static_cast<size_t>(2 + (input_dropout ? 4 : 0) + k);
      const tf::Tensor h = state_dropout ? h_tm1 * s[rec_mask] : h_tm1;
      z[k] = input_conv(in, gate_block(k_all, k, filters), b_all ? gate_block(b_all, k, filters) : tf::Tensor()) +
             recurrent_conv(h, gate_block(r_all, k, filters));
    }
    const tf::Tensor i = options.recurrent_activation(z[0]);
    const tf::Tensor f = options.recurrent_activation(z[1]);
    const tf::Tensor c = f * c_tm1 + i * options.activation(z[2]);
    const tf::Tensor o = options.recurrent_activation(z[3]);
    const tf::Tensor h = o * options.activation(c);
    return std::pair<tf::Tensor, std::vector<tf::Tensor>>{h, {h, c}};
  };
  K::RnnOptions ro{.go_backwards = options.go_backwards, .constants = constants};
  if (!args.mask.empty() && args.mask[0]) ro.mask = args.mask[0];
  auto [last, outputs, new_states] = K::rnn(step, x, init, ro);
  tf::Tensor output = options.return_sequences ? outputs : last;
  if (options.stateful) {
    std::vector<tf::Operation> assigns;
    for (size_t k = 0; k < 2; ++k) assigns.push_back(states[k].assign(new_states[k]).op());
    tf::control_dependencies deps(assigns);
    output = tf::identity(output);
  }
  if (uses_learning_phase) K::set_uses_learning_phase(output, true);
  return output;
}

tf::TensorShape ConvLSTM2DImpl::compute_output_shape(const tf::TensorShape& s) {
  if (!s.has_rank() || s.rank() != 5)
    throw keraspp::ValueError("ConvLSTM2D " + name + " needs a rank-5 input shape, got " + s.keras_str());
  const tf::TensorShape st = state_shape(s);
  if (!options.return_sequences) return st;
  std::vector<int64_t> d = st.dims();
  d.insert(d.begin() + 1, s.dim(1));
  return tf::TensorShape(d);
}

std::vector<tf::Tensor> ConvLSTM2DImpl::compute_mask(const std::vector<tf::Tensor>&, const std::vector<tf::Tensor>& masks) {
  return {!masks.empty() && options.return_sequences ? masks[0] : tf::Tensor()};
}

void ConvLSTM2DImpl::reset_states() {
  if (!options.stateful) throw keraspp::ValueError("Layer must be stateful.");
  if (!built || states.empty()) throw keraspp::ValueError(kStatefulBatchError);
  for (const tf::Variable& v : states) K::set_value(v, np::zeros(v.shape().dims(), v.dtype()));
}

Config ConvLSTM2DImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["return_sequences"] = options.return_sequences;
  c["go_backwards"] = options.go_backwards;
  c["stateful"] = options.stateful;
  c["filters"] = filters;
  c["kernel_size"] = conv_utils::pair_config(kernel_size);
  c["strides"] = conv_utils::pair_config(options.strides);
  c["padding"] = options.padding;
  c["data_format"] = data_format;
  c["dilation_rate"] = conv_utils::pair_config(options.dilation_rate);
  c["activation"] = activations::serialize(options.activation);
  c["recurrent_activation"] = activations::serialize(options.recurrent_activation);
  c["use_bias"] = options.use_bias;
  c["kernel_initializer"] = layers::serialize(options.kernel_initializer.get());
  c["recurrent_initializer"] = layers::serialize(options.recurrent_initializer.get());
  c["bias_initializer"] = layers::serialize(options.bias_initializer.get());
  c["unit_forget_bias"] = options.unit_forget_bias;
  c["kernel_regularizer"] = layers::serialize(options.kernel_regularizer);
  c["recurrent_regularizer"] = layers::serialize(options.recurrent_regularizer);
  c["bias_regularizer"] = layers::serialize(options.bias_regularizer);
  c["activity_regularizer"] = layers::serialize(options.activity_regularizer);
  c["kernel_constraint"] = layers::serialize(options.kernel_constraint);
  c["recurrent_constraint"] = layers::serialize(options.recurrent_constraint);
  c["bias_constraint"] = layers::serialize(options.bias_constraint);
  c["dropout"] = options.dropout;
  c["recurrent_dropout"] = options.recurrent_dropout;
  return c;
}

ConvLSTM2D::ConvLSTM2D(int64_t filters, backend::IntPair kernel_size, const ConvLSTM2DOptions& options)
    : Layer(std::make_shared<ConvLSTM2DImpl>(filters, kernel_size, options)) {}

namespace {

Layer conv_lstm2d_from_config(const Config& c, const CustomObjects& objects) {
  const std::string w = layer_config::what(c, "ConvLSTM2D");
  ConvLSTM2DOptions o = with_common_options(ConvLSTM2DOptions{}, c);
  if (const Config* v = saving::find(c, "strides")) o.strides = layer_config::int_pair(*v, w + " 'strides'");
  o.padding = layer_config::string_or(c, "padding", o.padding, w);
  o.data_format = layer_config::string_or(c, "data_format", o.data_format, w);
  if (const Config* v = saving::find(c, "dilation_rate")) o.dilation_rate = layer_config::int_pair(*v, w + " 'dilation_rate'");
  layer_config::read_kernel_bias_config(o, c, objects, w);
  if (const Config* v = saving::find(c, "recurrent_activation")) o.recurrent_activation = activations::deserialize(*v, objects);
  if (const Config* v = saving::find(c, "recurrent_initializer")) o.recurrent_initializer = initializers::deserialize(*v, objects);
  o.recurrent_regularizer = regularizers::deserialize(c.value("recurrent_regularizer", Config()), objects);
  o.recurrent_constraint = constraints::deserialize(c.value("recurrent_constraint", Config()), objects);
  for (auto [key, field] : {std::pair{"unit_forget_bias", &o.unit_forget_bias},
                            std::pair{"return_sequences", &o.return_sequences},
                            std::pair{"go_backwards", &o.go_backwards}, std::pair{"stateful", &o.stateful}})
    if (const Config* v = saving::find(c, key)) *field = saving::as_bool(*v, w + " '" + key + "'");
  o.dropout = saving::number_or(c, "dropout", 0.0, w);
  o.recurrent_dropout = saving::number_or(c, "recurrent_dropout", 0.0, w);
  return ConvLSTM2D(saving::as_int(saving::require(c, "filters", w), w + " 'filters'"),
                    layer_config::int_pair(saving::require(c, "kernel_size", w), w + " 'kernel_size'"), o);
}

[[maybe_unused]] const LayerRegistration kConvLSTM2D("ConvLSTM2D", conv_lstm2d_from_config);

}  // namespace

}  // namespace keras::layers
