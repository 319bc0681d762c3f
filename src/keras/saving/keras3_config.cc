// Keras 3's config.json spelling (keras/src/saving/serialization_lib.py)
// from and to Keras++'s Keras 2 configs: every object as {"module",
// "class_name", "config", "registered_name"}, an explicit InputLayer
// ("batch_shape") instead of batch_input_shape, "build_config", and
// "compile_config" with Keras 3's optimizer arguments. Keras 3 reads Keras
// 2's [layer, node, tensor, kwargs] inbound nodes, so those are written
// as they are; model_config.cc reads Keras 3's {"args", "kwargs"} nodes.
#include <algorithm>
#include <cctype>
#include <functional>
#include <iostream>
#include <regex>

#include "config_reader.h"
#include "model_files.h"

namespace keras::saving {

namespace {

Config keras3_object(const std::string& module, const std::string& class_name, const Config& config,
                     const Config& registered_name = nullptr) {
  return Config{{"module", module}, {"class_name", class_name}, {"config", config}, {"registered_name", registered_name}};
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// An initializer / regularizer / constraint argument of a layer config.
Config keras3_argument(const std::string& key, const Config& value) {
  if (!value.is_object() || !find(value, "class_name")) return value;
  const std::string cls = class_name_of(value, key);
  Config inner = inner_config(value);
  std::string module = "keras.constraints";
  if (ends_with(key, "_initializer")) {
    module = "keras.initializers";
    // Keras 3 calls its Orthogonal class OrthogonalInitializer.
    if (cls == "Orthogonal") return keras3_object(module, "OrthogonalInitializer", inner);
    // Keras 2's "normal" is the truncated normal Keras 3 calls so.
    if (cls == "VarianceScaling" && inner.value("distribution", "") == "normal") inner["distribution"] = "truncated_normal";
  } else if (ends_with(key, "_regularizer")) {
    module = "keras.regularizers";
  }
  return keras3_object(module, cls, inner);
}

Config keras3_layer(const Config& entry);

// Keras 2's hard_sigmoid is clip(0.2 x + 0.5, 0, 1), Keras 3's
// relu6(x + 3) / 6 (keras/src/backend/tensorflow/nn.py): the same name for
// a different function, so a model using it cannot cross between the two.
void reject_keras2_hard_sigmoid(const Config& c, const std::string& cls, bool writing) {
  for (const char* key : {"activation", "recurrent_activation"}) {
    const Config* v = find(c, key);
    if (!v || !v->is_string() || v->get<std::string>() != "hard_sigmoid") continue;
    const Config* name = find(c, "name");
    const std::string layer = "Layer " + (name && name->is_string() ? name->get<std::string>() : "?") + " (" + cls + ")";
    throw keraspp::ValueError(
        layer + ": " + key + " 'hard_sigmoid' " +
        (writing ? "cannot be saved in Keras 3's .keras format: Keras 3's hard_sigmoid is relu6(x + 3) / 6, "
                   "not Keras 2's clip(0.2 * x + 0.5, 0, 1). Save as .h5, or use 'sigmoid'."
                 : "is Keras 3's relu6(x + 3) / 6, which Keras++ does not have (Keras++'s hard_sigmoid is "
                   "Keras 2's clip(0.2 * x + 0.5, 0, 1))."));
  }
}

// Keras 2's Sequential {"name", "layers"} -> Keras 3's, whose first layer is
// the InputLayer Keras 2 made from the first layer's batch_input_shape.
Config keras3_sequential(const Config& c) {
  const Config& layers = require(c, "layers", "Sequential");
  Config out{{"name", c.value("name", "sequential")}, {"trainable", true}, {"dtype", "float32"}};
  Config layers3 = Config::array();
  Config input_shape = nullptr;
  if (!layers.empty()) {
    const Config first = inner_config(layers[0]);
    if (const Config* shape = find(first, "batch_input_shape")) {
      input_shape = *shape;
      layers3.push_back(keras3_object("keras.layers", "InputLayer",
                                      Config{{"batch_shape", *shape},
                                             {"dtype", first.value("dtype", "float32")},
                                             {"sparse", false},
                                             {"name", first.value("name", "layer") + "_input"}}));
    }
  }
  for (const Config& l : layers) layers3.push_back(keras3_layer(l));
  out["layers"] = layers3;
  out["build_input_shape"] = input_shape;
  return out;
}

// Keras 2's functional {"name", "layers", "input_layers", "output_layers"}:
// the same with each layer in Keras 3's spelling, keeping "name" and
// "inbound_nodes" beside it.
Config keras3_functional(const Config& c) {
  Config layers3 = Config::array();
  for (const Config& l : require(c, "layers", "Model")) {
    Config e = keras3_layer(l);
    e["name"] = require(l, "name", "Model layer");
    e["inbound_nodes"] = l.value("inbound_nodes", Config::array());
    layers3.push_back(e);
  }
  return Config{{"name", c.value("name", "functional")},
                {"trainable", true},
                {"layers", layers3},
                {"input_layers", require(c, "input_layers", "Model")},
                {"output_layers", require(c, "output_layers", "Model")}};
}

Config keras3_layer(const Config& entry) {
  const std::string cls = class_name_of(entry, "layer");
  const Config c = inner_config(entry);
  if (cls == "Sequential") {
    const Config s = keras3_sequential(c);
    Config out = keras3_object("keras", "Sequential", s);
    out["build_config"] = {{"input_shape", s["build_input_shape"]}};
    return out;
  }
  if (cls == "Model" || cls == "Functional") {
    Config out = keras3_object("keras.src.models.functional", "Functional", keras3_functional(c), "Functional");
    out["build_config"] = {{"input_shape", nullptr}};
    return out;
  }
  Config out = Config::object();
  if (cls == "InputLayer") {
    out = Config{{"batch_shape", require(c, "batch_input_shape", "InputLayer")},
                 {"dtype", c.value("dtype", "float32")},
                 {"sparse", c.value("sparse", false)},
                 {"name", c.value("name", "input_layer")}};
    return keras3_object("keras.layers", "InputLayer", out);
  }
  reject_keras2_hard_sigmoid(c, cls, /*writing=*/true);
  // Keras 3 has no ThresholdedReLU; its ReLU with a threshold is the same
  // function (x where x > threshold, else 0).
  if (cls == "ThresholdedReLU")
    return keras3_object("keras.layers", "ReLU",
                         Config{{"name", c.value("name", "re_lu")},
                                {"trainable", c.value("trainable", true)},
                                {"dtype", "float32"},
                                {"max_value", nullptr},
                                {"negative_slope", 0.0},
                                {"threshold", number_or(c, "theta", 1.0, "ThresholdedReLU")}});
  // Keras 3's SpatialDropout1D/2D take no **kwargs: rate, seed, name,
  // dtype (and 2D's data_format) only.
  const bool spatial_dropout = cls == "SpatialDropout1D" || cls == "SpatialDropout2D";
  for (const auto& [k, v] : c.items()) {
    if (k == "batch_input_shape" || (cls == "Embedding" && k == "input_length")) continue;
    if (spatial_dropout && (k == "trainable" || k == "noise_shape")) continue;
    // Keras 3's GRU and SimpleRNN refuse `implementation` (Keras++ computes
    // every value the same way).
    if (k == "implementation" && (cls == "GRU" || cls == "SimpleRNN" || cls == "LSTM")) continue;
    // Keras++'s models compute in float32 (an Embedding's int32 is its input's).
    if (k == "dtype") out[k] = "float32";
    else if (cls == "LeakyReLU" && k == "alpha") out["negative_slope"] = v;
    // A wrapper's layer(s): Keras 3 deserializes them as layers.
    else if ((k == "layer" || k == "backward_layer") && v.is_object()) out[k] = keras3_layer(v);
    else out[k] = keras3_argument(k, v);
  }
  if (!out.contains("dtype")) out["dtype"] = "float32";
  return keras3_object("keras.layers", cls, out);
}

// Keras 2's optimizer config -> Keras 3's: lr -> learning_rate, decay ->
// an InverseTimeDecay schedule (lr / (1 + decay * iterations), Keras 2's
// rule), Adagrad's accumulators starting at 0 as Keras 2's do.
Config keras3_optimizer(const Config& keras2) {
  const std::string cls = class_name_of(keras2, "optimizer");
  const Config c = inner_config(keras2);
  std::string lower = cls;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
  Config out{{"name", lower}};
  const double lr = number_or(c, "lr", 0.001, cls);
  const double decay = number_or(c, "decay", 0.0, cls);
  out["learning_rate"] = decay == 0.0 ? Config(lr)
                                      : keras3_object("keras.optimizers.schedules", "InverseTimeDecay",
                                                      Config{{"initial_learning_rate", lr},
                                                             {"decay_steps", 1},
                                                             {"decay_rate", decay},
                                                             {"staircase", false},
                                                             {"name", "InverseTimeDecay"}});
  for (const auto& [k, v] : c.items())
    if (k != "lr" && k != "decay" && k != "schedule_decay") out[k] = v;
  if (cls == "Adagrad") out["initial_accumulator_value"] = 0.0;
  // Keras 3's Nadam warms its momentum as beta_1 * (1 - 0.5 * 0.96^t): Keras
  // 2's with schedule_decay 1 (Keras 2's default is 0.004, 0.96^(0.004 t)).
  // Any other schedule_decay has no Keras 3 spelling: the state is written
  // (it has the same meaning), but Keras 3 continues with its own schedule.
  if (const double sd = number_or(c, "schedule_decay", 1.0, cls); cls == "Nadam" && sd != 1.0)
    std::cerr << "UserWarning: Nadam(schedule_decay=" << sd
              << ") saved in Keras 3's .keras format: Keras 3's Nadam has no schedule_decay (its momentum "
                 "schedule is beta_1 * (1 - 0.5 * 0.96^t), Keras 2's schedule_decay=1), so Keras 3, and Keras++ "
                 "loading the file, continue training with schedule_decay=1.\n";
  return keras3_object("keras.optimizers", cls, out);
}

// Keras 3's optimizer config -> Keras 2's (what optimizers::deserialize reads).
Config keras2_optimizer(const Config& keras3) {
  const std::string cls = class_name_of(keras3, "optimizer");
  Config c = inner_config(keras3);
  if (const Config* lr = find(c, "learning_rate"); lr && lr->is_object()) {
    const std::string schedule = class_name_of(*lr, "learning_rate schedule");
    const Config s = inner_config(*lr);
    if (schedule != "InverseTimeDecay" || number_or(s, "decay_steps", 1, schedule) != 1 ||
        (find(s, "staircase") && as_bool(s["staircase"], schedule)))
      throw keraspp::ValueError("compile_config: the learning rate schedule " + lr->dump() +
                                " has no Keras 2 counterpart (only InverseTimeDecay with decay_steps 1)");
    c["lr"] = number_or(s, "initial_learning_rate", 0.001, schedule);
    c["decay"] = number_or(s, "decay_rate", 0.0, schedule);
    c.erase("learning_rate");
  }
  // Keras 3's Nadam schedule, 0.96^t (see keras3_optimizer).
  if (cls == "Nadam") c["schedule_decay"] = 1.0;
  return Config{{"class_name", cls}, {"config", c}};
}

}  // namespace

bool is_keras3_op_layer(const Config& entry) {
  const Config* module = entry.is_object() ? find(entry, "module") : nullptr;
  return module && module->is_string() && module->get<std::string>().rfind("keras.src.ops.", 0) == 0;
}

void check_keras3_layer_configs(const Config& config) {
  if (config.is_array()) {
    for (const Config& e : config) check_keras3_layer_configs(e);
    return;
  }
  if (!config.is_object()) return;
  if (const Config* cls = find(config, "class_name"); cls && cls->is_string()) {
    if (const Config* inner = find(config, "config"); inner && inner->is_object())
      reject_keras2_hard_sigmoid(*inner, cls->get<std::string>(), /*writing=*/false);
  }
  for (const auto& [k, v] : config.items())
    if (k != "compile_config") check_keras3_layer_configs(v);
}

std::string to_snake_case(const std::string& class_name) {
  static const std::regex non_word(R"(\W+)"), word("(.)([A-Z][a-z]+)"), lower_upper("([a-z])([A-Z])");
  std::string s = std::regex_replace(class_name, non_word, "");
  s = std::regex_replace(s, word, "$1_$2");
  s = std::regex_replace(s, lower_upper, "$1_$2");
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return s;
}

Config keras3_model_config(const engine::Model& model) {
  return keras3_layer(models::model_to_config(model));
}

Config keras3_compile_config(const engine::TrainingState& state) {
  const Config t = training_config(state);
  Config metrics = t["metrics"];
  // Keras 3 wants one metrics list per output of a multi-output model;
  // Keras 2's list applies to each.
  if (state.output_names.size() > 1 && !metrics.empty()) {
    Config per_output = Config::array();
    for (size_t i = 0; i < state.output_names.size(); ++i) per_output.push_back(metrics);
    metrics = per_output;
  }
  return Config{{"optimizer", keras3_optimizer(t["optimizer_config"])},
                {"loss", t["loss"]},
                {"loss_weights", t["loss_weights"]},
                {"metrics", metrics.empty() ? Config(nullptr) : metrics},
                {"weighted_metrics", nullptr},
                {"run_eagerly", false},
                {"steps_per_execution", 1},
                {"jit_compile", false}};
}

Config training_config_from_keras3(const Config& c) {
  const std::string w = "compile_config";
  Config t{{"optimizer_config", keras2_optimizer(require(c, "optimizer", w))}, {"loss", require(c, "loss", w)}};
  // Keras 3 lists metrics per output; Keras 2 applies each to every output.
  if (const Config* m = find(c, "metrics")) {
    Config flat = Config::array();
    std::function<void(const Config&)> add = [&](const Config& v) {
      if (v.is_array()) for (const Config& e : v) add(e);
      else if (v.is_object() && !find(v, "class_name")) for (const auto& [k, e] : v.items()) add(e);
      else if (!v.is_null() && std::find(flat.begin(), flat.end(), v) == flat.end()) flat.push_back(v);
    };
    add(*m);
    t["metrics"] = flat;
  }
  if (const Config* lw = find(c, "loss_weights")) {
    // Keras 3 may write them by output name; Keras++ takes a list.
    if (lw->is_object()) throw keraspp::ValueError(w + ": loss_weights by output name are not supported: " + lw->dump());
    t["loss_weights"] = *lw;
  }
  return t;
}

}  // namespace keras::saving
