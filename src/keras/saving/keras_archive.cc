// Keras 3's .keras archives (keras/src/saving/saving_lib.py): a zip of
//
//   metadata.json     {"keras_version", "date_saved"}
//   config.json       the model in Keras 3's spelling (keras3_config.cc),
//                     with "compile_config" when saved compiled
//   model.weights.h5  /layers/<group>/vars/<i>: each of model.layers, its
//                     group named by its class in snake case, "_1", "_2",
//                     ... for repeats within a model (Keras 3 does not
//                     use layer names); nested models hold their own
//                     /layers; /optimizer/vars/<i>: iteration,
//                     learning_rate (none with a schedule), then the slots
//                     in Keras 3's order.
//
// Loading checks every count and shape before assigning anything, so on
// error the model is unchanged; weights are matched to layers through
// config.json's layer list, which is Keras 3's model.layers order.
#include <chrono>
#include <ctime>

#include "../optimizers/optimizer_impl.h"
#include "config_reader.h"
#include "hdf5.h"
#include "keraspp/keras/backend.h"
#include "model_files.h"
#include "zip_archive.h"

namespace keras::saving {

namespace K = keras::backend;
using engine::Model;
using layers::Layer;

namespace {

// The Keras 3 release whose archive layout Keras++ writes.
constexpr const char* kKeras3Version = "3.3.3";

std::string shape_str(const std::vector<int64_t>& dims) { return tf::TensorShape(dims).keras_str(); }

// Keras 3's class of a Keras++ layer (a functional model is "Functional").
std::string keras3_class(const std::string& class_name) { return class_name == "Model" ? "Functional" : class_name; }

// saving_lib's group name: the class in snake case, numbered on repeats.
std::string group_name(const std::string& class_name, std::map<std::string, int>& used) {
  std::string name = to_snake_case(keras3_class(class_name));
  auto [it, fresh] = used.emplace(name, 0);
  if (!fresh) name += "_" + std::to_string(++it->second);
  return name;
}

// Where a layer's weights sit below its group: Keras 3 keeps a recurrent
// layer's in its cell and a wrapper's in the wrapped layer(s), so their
// weights split evenly across these groups, in Keras 2's weight order.
std::vector<std::string> var_groups(const std::string& class_name, const Config& config) {
  if (class_name == "LSTM" || class_name == "GRU" || class_name == "SimpleRNN") return {"cell/vars"};
  if (class_name == "Bidirectional" || class_name == "TimeDistributed") {
    const Config& inner = require(config, "layer", class_name);
    std::vector<std::string> out;
    const std::vector<std::string> parts = class_name == "Bidirectional"
                                               ? std::vector<std::string>{"forward_layer/", "backward_layer/"}
                                               : std::vector<std::string>{"layer/"};
    for (const std::string& part : parts)
      for (const std::string& g : var_groups(class_name_of(inner, class_name), inner_config(inner))) out.push_back(part + g);
    return out;
  }
  return {"vars"};
}

Model as_model(const Layer& l) { return Model(std::dynamic_pointer_cast<engine::ModelImpl>(l.impl_ptr())); }

// ---- writing ------------------------------------------------------------------------

void write_layer_vars(const h5::Group& g, const Layer& layer) {
  const std::vector<std::string> groups = var_groups(layer.class_name(), layer.get_config());
  const std::vector<np::Array> values = K::batch_get_value(layer.weights());
  const size_t per_group = values.size() / groups.size();
  for (size_t k = 0; k < groups.size(); ++k) {
    const h5::Group vg = g.create_group(groups[k]);
    for (size_t i = 0; i < per_group; ++i) vg.write_dataset(std::to_string(i), values.at(k * per_group + i));
  }
}

void write_container(const h5::Group& g, const Model& model) {
  const h5::Group layers = g.create_group("layers");
  std::map<std::string, int> used;
  for (const Layer& l : model.layers()) {
    const h5::Group lg = layers.create_group(group_name(l.class_name(), used));
    if (l.impl().is_container()) write_container(lg, as_model(l));
    else write_layer_vars(lg, l);
  }
  g.create_group("vars");
}

// Keras 3's slot layout per optimizer: slots per variable and whether they
// interleave per variable (Adam: m0 v0 m1 v1 ...) or come slot by slot as
// Keras 2's do (RMSprop: all velocities). Nadam's momentum product
// (Keras 3's u_product, Keras 2's m_schedule) comes before its slots.
struct SlotLayout {
  size_t slots;
  bool interleaved;
};
const std::map<std::string, SlotLayout>& slot_layouts() {
  static const std::map<std::string, SlotLayout> table = {
      {"SGD", {1, false}},     {"RMSprop", {1, false}}, {"Adagrad", {1, false}}, {"Adadelta", {2, true}},
      {"Adam", {2, true}},     {"Adamax", {2, true}},   {"Nadam", {2, true}},
  };
  return table;
}

// The optimizer's variables in Keras 3's order; empty when it has no layout.
std::vector<tf::Variable> keras3_optimizer_variables(const engine::TrainingState& s) {
  auto it = slot_layouts().find(s.optimizer.class_name());
  if (it == slot_layouts().end()) return {};
  const optimizers::OptimizerImpl& impl = *s.optimizer.impl();
  std::vector<tf::Variable> out{impl.iterations};
  if (impl.initial_decay <= 0) out.push_back(impl.lr);  // a schedule replaces the variable
  for (const tf::Variable& v : impl.unlisted_state()) out.push_back(v);  // Nadam's u_product
  const std::vector<tf::Variable>& w = impl.weights;
  const size_t k = it->second.slots;
  // Keras 3's SGD keeps momentums only when momentum is not 0.
  const auto config = s.optimizer.get_config();
  if (s.optimizer.class_name() == "SGD" && config.count("momentum") && config.at("momentum") == 0.0) return out;
  if (w.size() % k) return out;
  const size_t n = w.size() / k;
  for (size_t a = 0; a < (it->second.interleaved ? n : k); ++a)
    for (size_t b = 0; b < (it->second.interleaved ? k : n); ++b)
      out.push_back(it->second.interleaved ? w[b * n + a] : w[a * n + b]);
  return out;
}

void write_optimizer(const h5::Group& root, const engine::TrainingState& s) {
  const std::vector<tf::Variable> vars = keras3_optimizer_variables(s);
  if (vars.empty()) return;
  std::vector<np::Array> values = K::batch_get_value(vars);
  values[0] = values[0].astype(np::int64);  // Keras 3 counts iterations in int64
  const h5::Group g = root.create_group("optimizer/vars");
  for (size_t i = 0; i < values.size(); ++i) g.write_dataset(std::to_string(i), values[i]);
}

std::string date_saved() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  localtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d@%H:%M:%S", &tm);
  return text;
}

// ---- reading ------------------------------------------------------------------------

using Assignments = std::vector<std::pair<tf::Variable, np::Array>>;

void read_layer_vars(const h5::Group& g, const std::string& path, const std::string& class_name, const Config& config,
                     const Layer& layer, Assignments& out) {
  const std::vector<tf::Variable> symbolic = layer.weights();
  if (symbolic.empty()) return;  // e.g. Keras 3's dropout seed state
  std::vector<std::string> stored;
  for (const std::string& vars : var_groups(class_name, config))
    for (size_t i = 0; g.has_child(path + "/" + vars + "/" + std::to_string(i)); ++i)
      stored.push_back(path + "/" + vars + "/" + std::to_string(i));
  if (stored.size() != symbolic.size())
    throw keraspp::ValueError(g.where(path) + ": Layer '" + layer.name() + "' expected " +
                              std::to_string(symbolic.size()) + " variables, but received " +
                              std::to_string(stored.size()) + " variables during loading.");
  for (size_t i = 0; i < stored.size(); ++i) {
    const std::vector<int64_t> expected = symbolic[i].shape().dims();
    if (g.dataset_shape(stored[i]) != expected)
      throw keraspp::ValueError(g.where(stored[i]) + ": Layer '" + layer.name() + "', weight " + symbolic[i].name() +
                                " has shape " + shape_str(expected) + ", but the saved weight has shape " +
                                shape_str(g.dataset_shape(stored[i])) + ".");
    out.emplace_back(symbolic[i], g.read_dataset(stored[i], expected));
  }
}

// `config` is the container's inner config (Sequential: a list or {"layers"}).
void read_container(const h5::Group& g, const std::string& path, const Config& config, bool sequential,
                    const Model& model, Assignments& out) {
  const Config& layers = config.is_array() ? config : require(config, "layers", "Model config");
  std::map<std::string, int> used;
  for (const Config& entry : layers) {
    const std::string cls = class_name_of(entry, "layer");
    if (sequential && cls == "InputLayer") continue;  // not among a Sequential's layers
    if (is_keras3_op_layer(entry)) continue;            // a mask op: no weights, not built
    const std::string group = path + "layers/" + group_name(cls, used);
    const Config inner = inner_config(entry);
    const Config* name = find(inner, "name");
    if (!name) name = &require(entry, "name", "layer " + cls);
    const std::string layer_name = as_string(*name, "layer " + cls + " 'name'");
    Layer layer;
    try {
      layer = model.get_layer(layer_name);
    } catch (const keraspp::ValueError& e) {
      throw keraspp::ValueError(g.where(group) + ": " + e.what());
    }
    if (layer.impl().is_container()) read_container(g, group + "/", inner, cls == "Sequential", as_model(layer), out);
    else read_layer_vars(g, group, cls, inner, layer, out);
  }
}

// Restores the optimizer state (making the train function first). A file
// saved before any training step holds only iteration and learning_rate.
void read_optimizer(Model& model, const h5::Group& root, Assignments& out) {
  engine::TrainingState& s = engine::compiled_state(model);
  s.make_train_function(model);
  const std::vector<tf::Variable> vars = keras3_optimizer_variables(s);
  if (vars.empty()) return;
  size_t stored = 0;
  while (root.has_child("optimizer/vars/" + std::to_string(stored))) ++stored;
  const size_t prefix = s.optimizer.impl()->initial_decay <= 0 ? 2 : 1;
  if (stored != vars.size() && stored != prefix)
    throw keraspp::ValueError(root.where("optimizer/vars") + ": the optimizer " + s.optimizer.class_name() + " has " +
                              std::to_string(vars.size()) + " variables whereas the saved optimizer has " +
                              std::to_string(stored) + " variables.");
  for (size_t i = 0; i < stored; ++i) {
    const std::string name = "optimizer/vars/" + std::to_string(i);
    const std::vector<int64_t> expected = vars[i].shape().dims();
    if (root.dataset_shape(name) != expected)
      throw keraspp::ValueError(root.where(name) + ": Optimizer weight shape " + shape_str(expected) +
                                " not compatible with provided weight shape " + shape_str(root.dataset_shape(name)));
    out.emplace_back(vars[i], root.read_dataset(name, expected));
  }
}

Config parse_entry(const std::map<std::string, std::string>& entries, const std::string& path, const std::string& name) {
  auto it = entries.find(name);
  if (it == entries.end())
    throw keraspp::ValueError("file '" + path + "': the archive has no " + name + " (not a Keras 3 .keras file)");
  try {
    return Config::parse(it->second);
  } catch (const nlohmann::json::parse_error& e) {
    throw keraspp::ValueError("file '" + path + "', entry '" + name + "': not valid JSON: " + e.what());
  }
}

}  // namespace

bool is_keras_archive_path(const std::string& path) {
  return path.size() > 6 && path.compare(path.size() - 6, 6, ".keras") == 0;
}

void save_keras_archive(const Model& model, const std::string& path, bool include_optimizer) {
  auto lock = h5::hdf5_lock();
  Config config = keras3_model_config(model);
  const std::shared_ptr<engine::TrainingState>& state = model.training_state();
  const bool compiled = include_optimizer && state && state->compiled;
  if (compiled) config["compile_config"] = keras3_compile_config(*state);
  const Config metadata{{"keras_version", kKeras3Version}, {"date_saved", date_saved()}};
  zip::write_archive_atomically(path, [&](const zip::AddEntry& add) {
    add("metadata.json", metadata.dump());
    add("config.json", config.dump());
    add("model.weights.h5", h5::write_image(path + "/model.weights.h5", [&](const h5::Group& root) {
          write_container(root, model);
          if (compiled && state->train_function_made) write_optimizer(root, *state);
        }));
  });
}

Model load_keras_archive(const std::string& path, const models::LoadModelOptions& options) {
  const std::map<std::string, std::string> entries = zip::read_archive(path);
  const Config config = parse_entry(entries, path, "config.json");
  auto weights = entries.find("model.weights.h5");
  if (weights == entries.end())
    throw keraspp::ValueError("file '" + path + "': the archive has no model.weights.h5 (not a Keras 3 .keras file)");
  auto lock = h5::hdf5_lock();
  const h5::Group root = h5::open_image(weights->second, path + "/model.weights.h5");
  Model model = [&] {
    try {
      check_keras3_layer_configs(config);
      return models::model_from_config(config, options.custom_objects);
    } catch (const keraspp::ValueError& e) {
      throw keraspp::ValueError(std::string(e.what()) + " (file '" + path + "', entry 'config.json')");
    }
  }();
  Assignments assignments;
  read_container(root, "", inner_config(config), class_name_of(config, "model") == "Sequential", model, assignments);
  K::batch_set_value(assignments);
  const Config* compile = find(config, "compile_config");
  if (!options.compile || !compile) return model;
  try {
    model.compile(compile_options(training_config_from_keras3(*compile), options.custom_objects));
  } catch (const keraspp::ValueError& e) {
    throw keraspp::ValueError(std::string(e.what()) + " (file '" + path + "', entry 'config.json', compile_config)");
  }
  if (root.has_child("optimizer/vars")) {
    Assignments optimizer;
    read_optimizer(model, root, optimizer);
    K::batch_set_value(optimizer);
  }
  return model;
}

bool is_keras3_weights_path(const std::string& path) {
  const std::string suffix = ".weights.h5";
  return path.size() > suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void save_keras3_weights(const Model& model, const h5::Group& root) {
  write_container(root, model);
}

void load_keras3_weights(const Model& model, const h5::Group& root) {
  // The model's own config in Keras 3's spelling gives Keras 3's layer order.
  const Config config = keras3_model_config(model);
  Assignments assignments;
  read_container(root, "", inner_config(config), model.class_name() == "Sequential", model, assignments);
  K::batch_set_value(assignments);
}

}  // namespace keras::saving
