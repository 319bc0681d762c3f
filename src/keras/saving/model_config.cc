// Models from their configs (Keras's Sequential.from_config and
// Container.from_config, Keras 2.0.x-2.3.x and tf.keras 2.x layouts),
// model_from_config / model_from_json and Model::to_json.
#include <functional>
#include <map>

#include "config_reader.h"
#include "model_files.h"
#include "keraspp/keras/models.h"
#include "keraspp/keras/serialization.h"

namespace keras::models {

namespace {

using layers::Layer;
using saving::find;
using saving::require;

// The keras_version Keras++ writes: the Keras 2 release whose file layout
// (Sequential config as {"name", "layers"}, optimizer "lr") it writes.
constexpr const char* kKerasVersion = "2.2.4";

// Sequential: a bare list of layer configs (Keras <= 2.2.2) or {"name",
// "layers"}; tf.keras 2.x puts an InputLayer first, whose shape goes to the
// next layer (Keras++'s Sequential creates its own input).
Layer sequential_from_config(const Config& config, const CustomObjects& objects) {
  const Config& layers = config.is_array() ? config : require(config, "layers", "Sequential");
  if (!layers.is_array()) throw keraspp::ValueError("Sequential config: 'layers' is not a list");
  const Config* name = find(config, "name");
  Sequential model(name && name->is_string() ? name->get<std::string>() : "");
  Config pending_input;
  for (const Config& lc : layers) {
    if (saving::class_name_of(lc, "Sequential layer") == "InputLayer" && model.layers().empty() &&
        pending_input.is_null()) {
      pending_input = saving::inner_config(lc);
      continue;
    }
    Config with_input = lc;
    if (!pending_input.is_null()) {
      Config& inner = with_input["config"];
      const Config* shape = find(pending_input, "batch_input_shape");
      if (!shape) shape = find(pending_input, "batch_shape");
      if (shape && !find(inner, "batch_input_shape")) inner["batch_input_shape"] = *shape;
      if (const Config* dtype = find(pending_input, "dtype"); dtype && !find(inner, "dtype"))
        inner["dtype"] = *dtype;
      pending_input = Config();
    }
    model.add(layers::deserialize(with_input, objects));
  }
  return model;
}

// One [layer_name, node_index, tensor_index(, kwargs)] entry of a node.
struct InboundEntry {
  std::string layer;
  int node_index, tensor_index;
  Config kwargs;
};

InboundEntry inbound_entry(const Config& e, const std::string& w) {
  if (!e.is_array() || e.size() < 3)
    throw keraspp::ValueError(w + ": an inbound node entry must be [layer_name, node_index, "
                              "tensor_index, kwargs], got " + e.dump());
  return {saving::as_string(e[0], w), static_cast<int>(saving::as_int(e[1], w)),
          static_cast<int>(saving::as_int(e[2], w)), e.size() > 3 ? e[3] : Config::object()};
}

// The output tensor `tensor_index` of node `node_index` of `layer`, or an
// empty tensor when that node does not exist yet.
tf::Tensor node_output(const Layer& layer, int node_index, int tensor_index, const std::string& w) {
  const auto& nodes = layer.inbound_nodes();
  if (node_index < 0 || static_cast<size_t>(node_index) >= nodes.size()) return {};
  const auto& outs = nodes[static_cast<size_t>(node_index)]->output_tensors;
  if (tensor_index < 0 || static_cast<size_t>(tensor_index) >= outs.size())
    throw keraspp::ValueError(w + ": layer " + layer.name() + " node " + std::to_string(node_index) +
                              " has no output " + std::to_string(tensor_index));
  return engine::user_held(outs[static_cast<size_t>(tensor_index)]);
}

// Calls `layer` on the tensors one node's data names; false when an inbound
// layer lacks that node yet (processed again later, as Keras defers it).
bool process_node(const Layer& layer, const Config& node_data,
                  const std::map<std::string, Layer>& created, const std::string& w) {
  if (!node_data.is_array()) throw keraspp::ValueError(w + ": a node must be a list, got " + node_data.dump());
  std::vector<tf::Tensor> inputs;
  engine::CallArgs args;
  for (const Config& e : node_data) {
    const InboundEntry entry = inbound_entry(e, w);
    auto it = created.find(entry.layer);
    if (it == created.end())
      throw keraspp::ValueError(w + ": unknown inbound layer '" + entry.layer + "'");
    tf::Tensor t = node_output(it->second, entry.node_index, entry.tensor_index, w);
    if (!t) return false;
    inputs.push_back(t);
    if (const Config* training = find(entry.kwargs, "training"))
      args.training = saving::as_bool(*training, w + " 'training'");
  }
  if (inputs.empty()) return true;
  layer(inputs, args);
  return true;
}

std::vector<tf::Tensor> end_tensors(const Config& list, const std::map<std::string, Layer>& created,
                                    const std::string& w) {
  std::vector<tf::Tensor> out;
  if (!list.is_array()) throw keraspp::ValueError(w + " is not a list: " + list.dump());
  // One [name, node, tensor] triple is written bare by some versions.
  const bool single = list.size() == 3 && list[0].is_string();
  for (size_t i = 0; i < (single ? 1 : list.size()); ++i) {
    const InboundEntry e = inbound_entry(single ? list : list[i], w);
    auto it = created.find(e.layer);
    if (it == created.end()) throw keraspp::ValueError(w + ": unknown layer '" + e.layer + "'");
    tf::Tensor t = node_output(it->second, e.node_index, e.tensor_index, w);
    if (!t) throw keraspp::ValueError(w + ": layer " + e.layer + " has no node " + std::to_string(e.node_index));
    out.push_back(t);
  }
  return out;
}

// Keras 3's node {"args": [...], "kwargs": {...}}, whose arguments hold
// {"class_name": "__keras_tensor__", "config": {"keras_history": [layer,
// node, tensor]}} (nested in a list for a merge), as Keras 2's list of
// [layer, node, tensor, kwargs] entries.
Config legacy_node(const Config& node, const std::string& w) {
  if (!node.is_object()) return node;
  const Config kwargs = node.value("kwargs", Config::object());
  Config entries = Config::array();
  std::function<void(const Config&)> collect = [&](const Config& v) {
    if (v.is_array()) {
      for (const Config& e : v) collect(e);
    } else if (v.is_object() && v.value("class_name", "") == "__keras_tensor__") {
      const Config tensor = saving::inner_config(v);
      const Config& history = require(tensor, "keras_history", w);
      if (!history.is_array() || history.size() != 3)
        throw keraspp::ValueError(w + ": 'keras_history' must be [layer, node, tensor], got " + history.dump());
      entries.push_back(Config::array({history[0], history[1], history[2], kwargs}));
    }
  };
  collect(require(node, "args", w));
  return entries;
}

// Keras's Container.from_config: creates the layers, then calls each on its
// inbound nodes in the config's order, deferring nodes whose inputs do not
// exist yet.
Layer functional_from_config(const Config& config, const CustomObjects& objects) {
  const std::string w = "Model config";
  const Config& layers = require(config, "layers", w);
  if (!layers.is_array()) throw keraspp::ValueError(w + ": 'layers' is not a list");
  std::map<std::string, Layer> created;
  std::vector<std::pair<Layer, std::vector<Config>>> unprocessed;
  for (const Config& lc : layers) {
    // Keras 3 records the ops that compute masks (Embedding(mask_zero)'s
    // NotEqual, Masking's NotEqual and Any, module keras.src.ops.*) as
    // layers feeding its layers' `mask` arguments; Keras++ propagates masks
    // itself (legacy_node reads no kwargs tensors), so they are not built.
    // An op feeding a layer's inputs is then an unknown inbound layer.
    if (saving::is_keras3_op_layer(lc)) continue;
    Layer layer = layers::deserialize(lc, objects);
    const std::string name = find(lc, "name") ? saving::as_string(lc["name"], w) : layer.name();
    created[name] = layer;
    std::vector<Config> nodes;
    if (const Config* inbound = find(lc, "inbound_nodes")) {
      if (!inbound->is_array()) throw keraspp::ValueError(w + ": 'inbound_nodes' of " + name + " is not a list");
      for (const Config& n : *inbound) nodes.push_back(legacy_node(n, w + " (layer " + name + ")"));
    }
    unprocessed.emplace_back(layer, std::move(nodes));
  }
  // Each sweep processes at least one node or the config is inconsistent.
  for (bool progress = true; progress;) {
    progress = false;
    bool remaining = false;
    for (auto& [layer, nodes] : unprocessed) {
      size_t done = 0;
      while (done < nodes.size() && process_node(layer, nodes[done], created, w + " (layer " + layer.name() + ")"))
        ++done;
      nodes.erase(nodes.begin(), nodes.begin() + static_cast<std::ptrdiff_t>(done));
      progress = progress || done > 0;
      remaining = remaining || !nodes.empty();
    }
    if (!remaining) break;
    if (!progress) throw keraspp::ValueError(w + ": the layers' inbound nodes refer to nodes that never exist");
  }
  const Config* name = find(config, "name");
  return Model(end_tensors(require(config, "input_layers", w), created, w + " 'input_layers'"),
               end_tensors(require(config, "output_layers", w), created, w + " 'output_layers'"),
               name && name->is_string() ? name->get<std::string>() : "");
}

[[maybe_unused]] const layers::LayerRegistration kSequential("Sequential", sequential_from_config);
[[maybe_unused]] const layers::LayerRegistration kModel("Model", functional_from_config);
// tf.keras 2.4+ names functional models "Functional".
[[maybe_unused]] const layers::LayerRegistration kFunctional("Functional", functional_from_config);

}  // namespace

Model model_from_config(const Config& config, const CustomObjects& custom_objects) {
  Layer layer = layers::deserialize(config, custom_objects);
  auto model = std::dynamic_pointer_cast<engine::ModelImpl>(layer.impl_ptr());
  if (!model)
    throw keraspp::ValueError("model_from_config: the config describes a " + layer.class_name() +
                              " layer, not a model");
  return Model(model);
}

Model model_from_json(const std::string& json, const CustomObjects& custom_objects) {
  Config config;
  try {
    config = Config::parse(json);
  } catch (const nlohmann::json::exception& e) {
    throw keraspp::ValueError(std::string("model_from_json: the text is not valid JSON: ") + e.what());
  }
  return model_from_config(config, custom_objects);
}

namespace {

// A layer's config as Keras 2.2.3+ and tf.keras write it: Sequential models,
// at any depth, as {"name", "layers"} (Keras 2.0's bare list loses a nested
// Sequential's name).
// An Embedding's dtype is written float32: Keras 2.0 wrote its ids' int32,
// which tf.keras reads as the weights' dtype and cannot build.
Config keras2_config(const engine::LayerImpl& layer) {
  if (!layer.is_container()) {
    Config c = layer.get_config();
    if (layer.class_name == "Embedding" && c.contains("dtype")) c["dtype"] = "float32";
    return c;
  }
  const auto& model = static_cast<const engine::ModelImpl&>(layer);
  Config config = model.get_config();
  if (config.is_array()) {
    Config layers = Config::array();
    for (const auto& l : model.layers) layers.push_back(Config{{"class_name", l->class_name}, {"config", keras2_config(*l)}});
    return Config{{"name", model.name}, {"layers", layers}};
  }
  for (Config& entry : config["layers"]) {
    for (const auto& l : model.layers)
      if (l->name == entry["name"] && (l->is_container() || l->class_name == "Embedding"))
        entry["config"] = keras2_config(*l);
  }
  return config;
}

}  // namespace

Config model_to_config(const Model& model) {
  Config c;
  c["class_name"] = model.class_name();
  c["config"] = keras2_config(model.impl());
  return c;
}

std::string keras_version() { return kKerasVersion; }

}  // namespace keras::models

namespace keras::engine {

std::string Model::to_json() const {
  Config c = models::model_to_config(*this);
  c["keras_version"] = models::keras_version();
  c["backend"] = "tensorflow";
  return c.dump();
}

}  // namespace keras::engine
