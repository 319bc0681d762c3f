// Keras 2's HDF5 layout (keras/engine/saving.py): model.save / load_model and
// save_weights / load_weights, both ways with Keras 2.0.x-2.3.x and tf.keras.
//
//   /  attrs keras_version, backend, model_config (JSON), training_config (JSON)
//   /model_weights  attrs layer_names, backend, keras_version
//   /model_weights/dense_1  attr weight_names ["dense_1/kernel:0", ...]
//   /model_weights/dense_1/dense_1/kernel:0  the values
//   /optimizer_weights  attr weight_names; a dataset per optimizer weight
//
// A weight file (save_weights) holds model_weights' contents at its root.
// Loading checks every count and shape against the file before assigning
// anything, so on error the model's weights are unchanged.
#include <algorithm>
#include <map>

#include "../engine/training_state.h"
#include "../optimizers/optimizer_impl.h"
#include "config_reader.h"
#include "hdf5.h"
#include "model_files.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/models.h"

namespace keras::saving {

namespace K = keras::backend;
using engine::Model;
using layers::Layer;

namespace {

std::string shape_str(const std::vector<int64_t>& dims) { return tf::TensorShape(dims).keras_str(); }

// The layers whose weights a file holds, in Keras's order (model.layers).
std::vector<Layer> file_layers(const Model& model) { return model.layers(); }

void save_weights_to_group(const Model& model, const h5::Group& g) {
  const std::vector<Layer> layers = file_layers(model);
  std::vector<std::string> names;
  std::vector<tf::Variable> all;
  for (const Layer& l : layers) {
    names.push_back(l.name());
    for (const tf::Variable& v : l.weights()) all.push_back(v);
  }
  g.write_string_list_attr("layer_names", names);
  g.write_string_attr("backend", "tensorflow");
  g.write_string_attr("keras_version", models::keras_version());
  const std::vector<np::Array> values = K::batch_get_value(all);
  size_t next = 0;
  for (const Layer& l : layers) {
    const h5::Group lg = g.create_group(l.name());
    std::vector<std::string> weight_names;
    for (const tf::Variable& v : l.weights()) weight_names.push_back(v.name());
    lg.write_string_list_attr("weight_names", weight_names);
    for (const std::string& wn : weight_names) lg.write_dataset(wn, values.at(next++));
  }
}

// One layer group of a file: its name and weight names.
struct FileLayer {
  std::string name;
  std::vector<std::string> weight_names;
};

std::vector<FileLayer> file_layers_with_weights(const h5::Group& g) {
  std::vector<FileLayer> out;
  for (const std::string& name : g.read_string_list_attr("layer_names")) {
    const h5::Group lg = g.open_group(name);
    std::vector<std::string> wn = lg.read_string_list_attr("weight_names");
    if (!wn.empty()) out.push_back({name, std::move(wn)});
  }
  return out;
}

// Reads layer `fl`'s values for `symbolic` weights (counts and shapes checked first).
void read_layer_weights(const h5::Group& g, const FileLayer& fl, const std::vector<tf::Variable>& symbolic,
                        const std::string& count_error, const std::string& layer_desc,
                        std::vector<std::pair<tf::Variable, np::Array>>& out) {
  if (fl.weight_names.size() != symbolic.size()) throw keraspp::ValueError(count_error);
  const h5::Group lg = g.open_group(fl.name);
  for (size_t i = 0; i < symbolic.size(); ++i) {
    const std::vector<int64_t> expected = symbolic[i].shape().dims();
    const std::vector<int64_t> stored = lg.dataset_shape(fl.weight_names[i]);
    if (stored != expected)
      throw keraspp::ValueError(lg.where(fl.weight_names[i]) + ": " + layer_desc + ", weight " +
                                symbolic[i].name() + " has shape " + shape_str(expected) +
                                ", but the saved weight has shape " + shape_str(stored) + ".");
    out.emplace_back(symbolic[i], lg.read_dataset(fl.weight_names[i], expected));
  }
}

void load_weights_from_group(const Model& model, const h5::Group& g, bool by_name) {
  const std::vector<FileLayer> saved = file_layers_with_weights(g);
  std::vector<std::pair<tf::Variable, np::Array>> assignments;
  if (by_name) {
    std::map<std::string, std::vector<Layer>> index;
    for (const Layer& l : file_layers(model)) index[l.name()].push_back(l);
    for (size_t k = 0; k < saved.size(); ++k) {
      for (const Layer& l : index[saved[k].name]) {
        const std::vector<tf::Variable> w = l.weights();
        const std::string desc = "Layer #" + std::to_string(k) + " (named \"" + l.name() + "\")";
        read_layer_weights(g, saved[k], w,
                           g.where(saved[k].name) + ": " + desc + " expects " + std::to_string(w.size()) +
                               " weight(s), but the saved weights have " +
                               std::to_string(saved[k].weight_names.size()) + " element(s).",
                           desc, assignments);
      }
    }
  } else {
    std::vector<Layer> filtered;
    for (const Layer& l : file_layers(model))
      if (!l.weights().empty()) filtered.push_back(l);
    if (saved.size() != filtered.size())
      throw keraspp::ValueError("You are trying to load a weight file containing " + std::to_string(saved.size()) +
                                " layers into a model with " + std::to_string(filtered.size()) + " layers. (" +
                                g.where() + ")");
    for (size_t k = 0; k < saved.size(); ++k) {
      const Layer& l = filtered[k];
      const std::vector<tf::Variable> w = l.weights();
      read_layer_weights(g, saved[k], w,
                         g.where(saved[k].name) + ": Layer #" + std::to_string(k) + " (named \"" + l.name() +
                             "\" in the current model) was found to correspond to layer " + saved[k].name +
                             " in the save file. However the new layer " + l.name() + " expects " +
                             std::to_string(w.size()) + " weights, but the saved weights have " +
                             std::to_string(saved[k].weight_names.size()) + " elements.",
                         "Layer #" + std::to_string(k) + " (named \"" + l.name() + "\")", assignments);
    }
  }
  // Everything read and checked: now assign, all at once.
  K::batch_set_value(assignments);
}

}  // namespace

// ---- training config ---------------------------------------------------------------

Config training_config(const engine::TrainingState& s) {
  Config c;
  c["optimizer_config"] = optimizers::serialize(s.optimizer);
  auto loss_name = [](const losses::Loss& l) { return l ? Config(l.name()) : Config(nullptr); };
  if (s.loss_functions.size() == 1) {
    c["loss"] = loss_name(s.loss_functions[0]);
  } else {
    Config by_output = Config::object();
    for (size_t i = 0; i < s.loss_functions.size(); ++i) by_output[s.output_names[i]] = loss_name(s.loss_functions[i]);
    c["loss"] = by_output;
  }
  Config metrics = Config::array();
  for (const metrics::Metric& m : s.compile_metrics) metrics.push_back(m.name());
  c["metrics"] = metrics;
  c["sample_weight_mode"] = s.sample_weight_mode.empty() ? Config(nullptr) : Config(s.sample_weight_mode);
  const bool all_one = std::all_of(s.loss_weights.begin(), s.loss_weights.end(), [](double w) { return w == 1.0; });
  c["loss_weights"] = all_one ? Config(nullptr) : Config(s.loss_weights);
  return c;
}

engine::CompileOptions compile_options(const Config& c, const CustomObjects& objects) {
  engine::CompileOptions o;
  o.optimizer = optimizers::deserialize(require(c, "optimizer_config", "training_config"));
  const Config& loss = require(c, "loss", "training_config");
  if (loss.is_object() && !find(loss, "class_name")) {
    std::map<std::string, losses::Loss> by_output;
    for (const auto& [k, v] : loss.items()) by_output[k] = v.is_null() ? losses::Loss() : losses::deserialize(v, objects);
    o.loss = by_output;
  } else if (loss.is_array()) {
    std::vector<losses::Loss> per_output;
    for (const Config& v : loss) per_output.push_back(v.is_null() ? losses::Loss() : losses::deserialize(v, objects));
    o.loss = per_output;
  } else if (loss.is_null()) {
    o.loss = nullptr;
  } else {
    o.loss = losses::deserialize(loss, objects);
  }
  if (const Config* m = find(c, "metrics")) {
    // Keras 2's list, or tf.keras's per-output lists / dict: every metric once.
    std::function<void(const Config&)> add = [&](const Config& v) {
      if (v.is_array()) for (const Config& e : v) add(e);
      else if (v.is_object() && !find(v, "class_name")) for (const auto& [k, e] : v.items()) add(e);
      else if (!v.is_null()) o.metrics.push_back(metrics::deserialize(v, objects));
    };
    add(*m);
  }
  if (const Config* w = find(c, "loss_weights")) {
    if (!w->is_array()) throw keraspp::ValueError("training_config: only a list of loss_weights is supported, got " + w->dump());
    for (const Config& v : *w) o.loss_weights.push_back(as_number(v, "training_config 'loss_weights'"));
  }
  if (const Config* m = find(c, "sample_weight_mode")) o.sample_weight_mode = as_string(*m, "sample_weight_mode");
  return o;
}

namespace {

// The optimizer's weights as Keras 2.2.x-2.3.x and tf.keras save them:
// iterations first, then the accumulators.
constexpr const char* kUnlistedPrefix = "keraspp_unlisted/";

std::vector<tf::Variable> optimizer_symbolic_weights(const engine::TrainingState& s) {
  std::vector<tf::Variable> w{s.optimizer.iterations()};
  for (const tf::Variable& v : s.optimizer.weights()) w.push_back(v);
  return w;
}

void save_optimizer_weights(const engine::TrainingState& s, const h5::Group& root) {
  const std::vector<tf::Variable> w = optimizer_symbolic_weights(s);
  const std::vector<np::Array> values = K::batch_get_value(w);
  const h5::Group g = root.create_group("optimizer_weights");
  std::vector<std::string> names;
  for (const tf::Variable& v : w) names.push_back(v.name());
  g.write_string_list_attr("weight_names", names);
  for (size_t i = 0; i < w.size(); ++i) g.write_dataset(names[i], values[i]);
  // Datasets Keras does not list (it reads weight_names only).
  // By position: variable names change with the graph they are made in.
  const std::vector<tf::Variable> unlisted = s.optimizer.impl()->unlisted_state();
  for (size_t i = 0; i < unlisted.size(); ++i)
    g.write_dataset(kUnlistedPrefix + std::to_string(i), K::get_value(unlisted[i]));
}

// Restores the optimizer state (making the train function first, as Keras's
// _make_train_function). Keras 2.0.x files lack `iterations`: then only the
// accumulators are read.
// tf.keras 2.11+'s optimizers interleave their slots per variable
// (iteration, Adam/m/dense/kernel, Adam/v/dense/kernel, Adam/m/dense/bias, ...);
// Keras 2 groups them by slot (ms then vs). Names of that form are regrouped
// by slot, in order of first appearance.
std::vector<std::string> keras2_slot_order(std::vector<std::string> names) {
  std::vector<std::string> slots;
  for (size_t i = 1; i < names.size(); ++i) {
    const size_t a = names[i].find('/');
    const size_t b = a == std::string::npos ? a : names[i].find('/', a + 1);
    if (b == std::string::npos) return names;
    const std::string slot = names[i].substr(a + 1, b - a - 1);
    if (std::find(slots.begin(), slots.end(), slot) == slots.end()) slots.push_back(slot);
  }
  if (slots.size() < 2) return names;
  std::vector<std::string> grouped{names.front()};
  for (const std::string& slot : slots)
    for (size_t i = 1; i < names.size(); ++i)
      if (names[i].find("/" + slot + "/") == names[i].find('/')) grouped.push_back(names[i]);
  return grouped;
}

void load_optimizer_weights(Model& model, const h5::Group& g) {
  engine::TrainingState& s = engine::compiled_state(model);
  s.make_train_function(model);
  std::vector<tf::Variable> symbolic = optimizer_symbolic_weights(s);
  const std::vector<std::string> names = keras2_slot_order(g.read_string_list_attr("weight_names"));
  if (names.size() + 1 == symbolic.size()) symbolic.erase(symbolic.begin());
  if (names.size() != symbolic.size())
    throw keraspp::ValueError(g.where() + ": Length of the specified weight list (" + std::to_string(names.size()) +
                              ") does not match the number of weights of the optimizer (" +
                              std::to_string(symbolic.size()) + ")");
  std::vector<std::pair<tf::Variable, np::Array>> assignments;
  for (size_t i = 0; i < names.size(); ++i) {
    const std::vector<int64_t> expected = symbolic[i].shape().dims();
    const std::vector<int64_t> stored = g.dataset_shape(names[i]);
    if (stored != expected)
      throw keraspp::ValueError(g.where(names[i]) + ": Optimizer weight shape " + shape_str(expected) +
                                " not compatible with provided weight shape " + shape_str(stored));
    assignments.emplace_back(symbolic[i], g.read_dataset(names[i], expected));
  }
  const std::vector<tf::Variable> unlisted = s.optimizer.impl()->unlisted_state();
  for (size_t i = 0; i < unlisted.size(); ++i) {
    const std::string name = kUnlistedPrefix + std::to_string(i);
    if (g.has_child(name)) assignments.emplace_back(unlisted[i], g.read_dataset(name, unlisted[i].shape().dims()));
  }
  K::batch_set_value(assignments);
}

Config parse_json_attr(const h5::Group& root, const std::string& name) {
  const std::string text = root.read_string_attr(name);
  try {
    return Config::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw keraspp::ValueError(root.where() + ", attribute '" + name + "': not valid JSON: " + e.what());
  }
}

}  // namespace

}  // namespace keras::saving

namespace keras::models {

void save_model(const Model& model, const std::string& path, bool include_optimizer) {
  if (saving::is_keras_archive_path(path)) return saving::save_keras_archive(model, path, include_optimizer);
  auto lock = saving::h5::hdf5_lock();
  const Config config = model_to_config(model);
  const std::shared_ptr<engine::TrainingState>& state = model.training_state();
  saving::h5::write_file_atomically(path, [&](const saving::h5::Group& root) {
    root.write_string_attr("keras_version", keras_version());
    root.write_string_attr("backend", "tensorflow");
    root.write_string_attr("model_config", config.dump());
    saving::save_weights_to_group(model, root.create_group("model_weights"));
    if (include_optimizer && state && state->compiled) {
      root.write_string_attr("training_config", saving::training_config(*state).dump());
      if (state->train_function_made) saving::save_optimizer_weights(*state, root);
    }
  });
}

Model load_model(const std::string& path, const LoadModelOptions& options) {
  if (saving::is_keras_archive_path(path)) return saving::load_keras_archive(path, options);
  auto lock = saving::h5::hdf5_lock();
  const saving::h5::Group root = saving::h5::open_file(path);
  if (!root.has_attr("model_config"))
    throw keraspp::ValueError("No model found in config file. (" + root.where() + ": no attribute 'model_config')");
  const Config config = saving::parse_json_attr(root, "model_config");
  Model model = [&] {
    try {
      return model_from_config(config, options.custom_objects);
    } catch (const keraspp::ValueError& e) {
      throw keraspp::ValueError(std::string(e.what()) + " (" + root.where() + ", attribute 'model_config')");
    }
  }();
  saving::load_weights_from_group(model, root.open_group("model_weights"), /*by_name=*/false);
  if (!options.compile || !root.has_attr("training_config")) return model;
  const Config training = saving::parse_json_attr(root, "training_config");
  try {
    model.compile(saving::compile_options(training, options.custom_objects));
  } catch (const keraspp::ValueError& e) {
    throw keraspp::ValueError(std::string(e.what()) + " (" + root.where() + ", attribute 'training_config')");
  }
  if (root.has_child("optimizer_weights")) saving::load_optimizer_weights(model, root.open_group("optimizer_weights"));
  return model;
}

}  // namespace keras::models

namespace keras::engine {

void Model::save(const std::string& path, bool include_optimizer) const {
  models::save_model(*this, path, include_optimizer);
}

void Model::save_weights(const std::string& path) const {
  auto lock = saving::h5::hdf5_lock();
  // "x.weights.h5": Keras 3's layout, as Keras 3's save_weights writes it.
  const bool keras3 = saving::is_keras3_weights_path(path);
  saving::h5::write_file_atomically(path, [&](const saving::h5::Group& root) {
    if (keras3) saving::save_keras3_weights(*this, root);
    else saving::save_weights_to_group(*this, root);
  });
}

void Model::load_weights(const std::string& path, const LoadWeightsOptions& options) const {
  auto lock = saving::h5::hdf5_lock();
  const saving::h5::Group root = saving::h5::open_file(path);
  // A model file holds the weights under model_weights (Keras reads both).
  // Keras 3's layout (save_weights("x.weights.h5") or a .keras archive's
  // model.weights.h5): groups by class under /layers, matched by position.
  if (!root.has_attr("layer_names") && !root.has_child("model_weights") && root.has_child("layers")) {
    if (options.by_name)
      throw keraspp::ValueError("Loading by name is not supported for Keras 3 weight files (" + root.where() + ")");
    return saving::load_keras3_weights(*this, root);
  }
  const bool model_file = !root.has_attr("layer_names") && root.has_child("model_weights");
  if (model_file) saving::load_weights_from_group(*this, root.open_group("model_weights"), options.by_name);
  else saving::load_weights_from_group(*this, root, options.by_name);
}

}  // namespace keras::engine
