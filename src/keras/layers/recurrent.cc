// SimpleRNN, LSTM, GRU (Keras 2.0.x's recurrent.py) on the fused sequence
// ops of src/ops/keras_recurrent.cc.
#include "keraspp/keras/layers/recurrent.h"

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/gather_ops.h"
#include "keraspp/ops/keras_recurrent_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/stack_ops.h"
#include "keraspp/ops/transpose_ops.h"
#include "keraspp/keras/serialization.h"
#include "../saving/config_reader.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

// The activations the fused kernels compute.
bool fused_activation(const std::string& name) {
  return name == "tanh" || name == "sigmoid" || name == "hard_sigmoid" || name == "relu" || name == "linear";
}

void require_fused(const activations::Activation& a, const std::string& what, const std::string& layer) {
  if (!fused_activation(a.name()))
    throw keraspp::ValueError("Layer " + layer + ": " + what + " '" + a.name() +
                              "' is not supported by the fused recurrent kernels (tanh, sigmoid, "
                              "hard_sigmoid, relu, linear)");
}

// [batch, cols] filled with value, batch read from x at run time unless known.
tf::Tensor batch_filled(const tf::Tensor& x, int64_t cols, double value) {
  const int64_t b = x.shape().has_rank() ? x.shape().dim(0) : -1;
  if (b >= 0) return tf::fill(np::Array::from_vector<int32_t>({static_cast<int32_t>(b), static_cast<int32_t>(cols)}, {2}),
                              tf::constant(value, x.dtype()));
  const tf::Tensor dims = tf::stack({tf::gather(tf::shape(x), 0), tf::constant(np::Array::scalar(static_cast<int32_t>(cols)))});
  return tf::fill(dims, tf::constant(value, x.dtype()));
}

// Keras's LSTM bias initializer with unit_forget_bias: the forget gate's
// block starts at ones, the others from bias_initializer.
initializers::Initializer forget_bias_initializer(const initializers::Initializer& base, int64_t units) {
  return initializers::Initializer(
      base.class_name(), base.get_config(), [base, units](const std::vector<int64_t>&, tf::DType dt) {
        return tf::concat({base({units}, dt), tf::ones({units}, dt), base({2 * units}, dt)}, 0);
      });
}

const char* kStatefulBatchError =
    "If a RNN is stateful, it needs to know its batch size. Specify the batch size of your input "
    "tensors: \n- If using a Sequential model, specify the batch size by passing a `batch_input_shape` "
    "argument to your first layer.\n- If using the functional API, specify the time dimension by "
    "passing a `batch_shape` argument to your Input layer.";

}  // namespace

RecurrentImpl::RecurrentImpl(const std::string& cls, int64_t units_, const RecurrentOptions& o)
    : LayerImpl(cls, engine::common_options(o)), units(units_), options(o) {
  if (units <= 0)
    throw keraspp::ValueError("Layer " + name + ": `units` must be a positive integer, got " + std::to_string(units));
  options.dropout = std::min(1.0, std::max(0.0, o.dropout));
  options.recurrent_dropout = std::min(1.0, std::max(0.0, o.recurrent_dropout));
  require_fused(options.activation, "activation", name);
  if (cls != "SimpleRNN") require_fused(options.recurrent_activation, "recurrent_activation", name);
  activity_regularizer = o.activity_regularizer;
  supports_masking = true;
  uses_learning_phase = (options.dropout > 0 && options.dropout < 1) ||
                        (options.recurrent_dropout > 0 && options.recurrent_dropout < 1);
  // Set by build, once the number of inputs (x and any initial states) is
  // known; build checks x's rank itself, with Keras's InputSpec wording.
  input_spec = {};
}

int RecurrentImpl::gates() const { return class_name == "LSTM" ? 4 : class_name == "GRU" ? 3 : 1; }

void RecurrentImpl::build(const std::vector<tf::TensorShape>& shapes) {
  const tf::TensorShape& s = shapes.at(0);
  if (!s.has_rank() || s.rank() != 3)
    throw keraspp::ValueError("Input 0 is incompatible with layer " + name + ": expected ndim=3, found ndim=" +
                              (s.has_rank() ? std::to_string(s.rank()) : "None"));
  // Keras's call(inputs=[x] + initial_state).
  if (shapes.size() > 1 && shapes.size() != 1 + static_cast<size_t>(num_states()))
    throw keraspp::ValueError("Layer has " + std::to_string(num_states()) + " states but was passed " +
                              std::to_string(shapes.size() - 1) + " initial states.");
  const int64_t input_dim = s.dim(2);
  if (input_dim < 0)
    throw keraspp::ValueError("Layer " + name + ": the last dimension of the inputs should be defined. Found `None`.");
  input_spec = {InputSpec{.ndim = 3, .axes = {{2, input_dim}}}};
  for (size_t i = 1; i < shapes.size(); ++i) input_spec.push_back(InputSpec{.ndim = 2, .axes = {{-1, units}}});
  const int64_t gu = gates() * units;
  kernel = add_weight("kernel", {input_dim, gu}, options.kernel_initializer, options.kernel_regularizer, true,
                      options.kernel_constraint);
  recurrent_kernel = add_weight("recurrent_kernel", {units, gu}, options.recurrent_initializer,
                                options.recurrent_regularizer, true, options.recurrent_constraint);
  if (options.use_bias) {
    const initializers::Initializer& b = options.bias_initializer;
    bias = add_weight("bias", {gu},
                      class_name == "LSTM" && options.unit_forget_bias ? forget_bias_initializer(b, units) : b,
                      options.bias_regularizer, true, options.bias_constraint);
  }
  if (options.stateful) {
    batch_size = s.dim(0);
    if (batch_size < 0) throw keraspp::ValueError(kStatefulBatchError);
    for (int i = 0; i < num_states(); ++i) states.push_back(K::zeros({batch_size, units}));
  }
}

std::vector<tf::Tensor> RecurrentImpl::call(const std::vector<tf::Tensor>& inputs, const CallArgs& args) {
  tf::Tensor x = inputs.at(0);
  const tf::TensorShape shape = engine::keras_shape(x);
  if (options.unroll && shape.dim(1) < 0)
    throw keraspp::ValueError(
        "Cannot unroll a RNN if the time dimension is undefined. \n- If using a Sequential model, specify the "
        "time dimension by passing an `input_shape` or `batch_input_shape` argument to your first layer. If "
        "your first layer is an Embedding, you can also use the `input_length` argument.\n- If using the "
        "functional API, specify the time dimension by passing a `shape` or `batch_shape` argument to your "
        "Input layer.");
  // Dropout masks: one per sequence, drawn in the training phase only.
  if (options.dropout > 0 && options.dropout < 1) {
    const double rate = options.dropout;
    const tf::Tensor kept = x;
    x = K::in_train_phase(
        [&] { return kept * tf::expand_dims(K::dropout(batch_filled(kept, shape.dim(2), 1.0), rate), 1); }, kept,
        args.training);
  }
  tf::KerasRecurrentOptions o{.activation = options.activation.name(),
                              .recurrent_activation = options.recurrent_activation.name(),
                              .go_backwards = options.go_backwards};
  if (options.recurrent_dropout > 0 && options.recurrent_dropout < 1) {
    const tf::Tensor ones = batch_filled(x, units, 1.0);
    const double rate = options.recurrent_dropout;
    o.recurrent_dropout_mask = K::in_train_phase([&] { return K::dropout(ones, rate); }, ones, args.training);
  }
  if (!args.mask.empty() && args.mask[0]) o.mask = tf::cast(args.mask[0], x.dtype());
  std::vector<tf::Tensor> init;
  for (int i = 0; i < num_states(); ++i)
    init.push_back(inputs.size() > 1          ? inputs[static_cast<size_t>(1 + i)]
                   : options.stateful         ? states[static_cast<size_t>(i)].value()
                                              : batch_filled(x, units, 0.0));
  const tf::Tensor b = options.use_bias ? bias.value() : tf::Tensor();
  tf::KerasRecurrentOutputs r;
  if (class_name == "LSTM")
    r = tf::keras_lstm(x, init[0], init[1], kernel.value(), recurrent_kernel.value(), b, o);
  else if (class_name == "GRU")
    r = tf::keras_gru(x, init[0], kernel.value(), recurrent_kernel.value(), b, o);
  else
    r = tf::keras_simple_rnn(x, init[0], kernel.value(), recurrent_kernel.value(), b, o);
  std::vector<tf::Tensor> last = {r.h};
  if (r.c) last.push_back(r.c);
  tf::Tensor output = options.return_sequences ? r.output : r.h;
  if (options.stateful) {
    // Every run that computes the output also carries the states on (Keras
    // runs its state updates with fit, evaluate and predict alike).
    std::vector<tf::Operation> assigns;
    for (size_t i = 0; i < last.size(); ++i) assigns.push_back(states[i].assign(last[i]).op());
    tf::control_dependencies deps(assigns);
    output = tf::identity(output);
  }
  if (uses_learning_phase) K::set_uses_learning_phase(output, true);
  if (!options.return_state) return {output};
  std::vector<tf::Tensor> out = {output};
  out.insert(out.end(), last.begin(), last.end());
  return out;
}

std::vector<tf::TensorShape> RecurrentImpl::compute_output_shape(const std::vector<tf::TensorShape>& shapes) {
  const tf::TensorShape& s = shapes.at(0);
  const int64_t b = s.has_rank() ? s.dim(0) : -1, t = s.has_rank() ? s.dim(1) : -1;
  std::vector<tf::TensorShape> out = {options.return_sequences ? tf::TensorShape({b, t, units})
                                                               : tf::TensorShape({b, units})};
  if (options.return_state)
    for (int i = 0; i < num_states(); ++i) out.push_back(tf::TensorShape({b, units}));
  return out;
}

std::vector<tf::Tensor> RecurrentImpl::compute_mask(const std::vector<tf::Tensor>&,
                                                    const std::vector<tf::Tensor>& masks) {
  const tf::Tensor m = !masks.empty() && options.return_sequences ? masks[0] : tf::Tensor();
  std::vector<tf::Tensor> out = {m};
  if (options.return_state) out.resize(1 + static_cast<size_t>(num_states()));
  return out;
}

void RecurrentImpl::reset_states() {
  if (!options.stateful) throw keraspp::ValueError("Layer must be stateful.");
  if (!built || batch_size < 0) throw keraspp::ValueError(kStatefulBatchError);
  for (const tf::Variable& v : states) K::set_value(v, np::zeros({batch_size, units}, v.dtype()));
}

Config RecurrentImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["return_sequences"] = options.return_sequences;
  c["return_state"] = options.return_state;
  c["go_backwards"] = options.go_backwards;
  c["stateful"] = options.stateful;
  c["unroll"] = options.unroll;
  c["implementation"] = options.implementation;
  c["units"] = units;
  c["activation"] = activations::serialize(options.activation);
  if (class_name != "SimpleRNN") c["recurrent_activation"] = activations::serialize(options.recurrent_activation);
  c["use_bias"] = options.use_bias;
  c["kernel_initializer"] = layers::serialize(options.kernel_initializer.get());
  c["recurrent_initializer"] = layers::serialize(options.recurrent_initializer.get());
  c["bias_initializer"] = layers::serialize(options.bias_initializer.get());
  if (class_name == "LSTM") c["unit_forget_bias"] = options.unit_forget_bias;
  // Keras 2.0's GRU; Keras 2.2+, tf.keras and Keras 3 read a GRU without
  // this key as reset_after=True (two biases), so it is written.
  if (class_name == "GRU") c["reset_after"] = false;
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

SimpleRNN::SimpleRNN(int64_t units, const SimpleRNNOptions& o)
    : Recurrent(std::make_shared<RecurrentImpl>("SimpleRNN", units, o)) {}
LSTM::LSTM(int64_t units, const LSTMOptions& o) : Recurrent(std::make_shared<RecurrentImpl>("LSTM", units, o)) {}
GRU::GRU(int64_t units, const GRUOptions& o) : Recurrent(std::make_shared<RecurrentImpl>("GRU", units, o)) {}

// ---- from_config (Keras 2.0.x-2.3.x and tf.keras spellings) -----------------------

namespace {

RecurrentOptions recurrent_options_from(const Config& c, const CustomObjects& objects, const std::string& w) {
  RecurrentOptions o = with_common_options(RecurrentOptions{}, c);
  using saving::find;
  if (const Config* v = find(c, "activation")) o.activation = activations::deserialize(*v, objects);
  if (const Config* v = find(c, "recurrent_activation")) o.recurrent_activation = activations::deserialize(*v, objects);
  for (auto [key, field] : {std::pair{"kernel_initializer", &o.kernel_initializer},
                            std::pair{"recurrent_initializer", &o.recurrent_initializer},
                            std::pair{"bias_initializer", &o.bias_initializer}})
    if (const Config* v = find(c, key)) *field = initializers::deserialize(*v, objects);
  for (auto [key, field] : {std::pair{"kernel_regularizer", &o.kernel_regularizer},
                            std::pair{"recurrent_regularizer", &o.recurrent_regularizer},
                            std::pair{"bias_regularizer", &o.bias_regularizer},
                            std::pair{"activity_regularizer", &o.activity_regularizer}})
    *field = regularizers::deserialize(c.value(key, Config()), objects);
  for (auto [key, field] : {std::pair{"kernel_constraint", &o.kernel_constraint},
                            std::pair{"recurrent_constraint", &o.recurrent_constraint},
                            std::pair{"bias_constraint", &o.bias_constraint}})
    *field = constraints::deserialize(c.value(key, Config()), objects);
  for (auto [key, field] : {std::pair{"use_bias", &o.use_bias}, std::pair{"unit_forget_bias", &o.unit_forget_bias},
                            std::pair{"return_sequences", &o.return_sequences},
                            std::pair{"return_state", &o.return_state}, std::pair{"go_backwards", &o.go_backwards},
                            std::pair{"stateful", &o.stateful}, std::pair{"unroll", &o.unroll}})
    if (const Config* v = find(c, key)) *field = saving::as_bool(*v, w + " '" + key + "'");
  o.dropout = saving::number_or(c, "dropout", 0.0, w);
  o.recurrent_dropout = saving::number_or(c, "recurrent_dropout", 0.0, w);
  o.implementation = static_cast<int>(saving::number_or(c, "implementation", 0, w));
  return o;
}

template <class L> LayerFactory recurrent_factory(const std::string& cls) {
  return [cls](const Config& c, const CustomObjects& objects) -> Layer {
    const std::string w = "Layer " + c.value("name", std::string("?")) + " (" + cls + ")";
    // tf.keras's and Keras 3's GRU default (the CuDNN-compatible GRU: the
    // reset gate after the recurrent product, bias [2, 3*units]).
    if (const Config* v = saving::find(c, "reset_after"); v && saving::as_bool(*v, w + " 'reset_after'"))
      throw keraspp::ValueError(w + ": reset_after=True (the CuDNN-compatible GRU with two biases, tf.keras's and "
                                "Keras 3's default) is not supported; Keras++'s GRU is Keras 2.0's "
                                "(reset_after=False). Build the GRU with reset_after=False.");
    return L(saving::as_int(saving::require(c, "units", w), w + " 'units'"), recurrent_options_from(c, objects, w));
  };
}

const LayerRegistration kSimpleRNN("SimpleRNN", recurrent_factory<SimpleRNN>("SimpleRNN"));
const LayerRegistration kLSTM("LSTM", recurrent_factory<LSTM>("LSTM"));
const LayerRegistration kGRU("GRU", recurrent_factory<GRU>("GRU"));

}  // namespace

}  // namespace keras::layers
