// ModelImpl (Keras 2.0.2's Container): building the topology from input and
// output Keras tensors — layers and nodes ordered by depth — and the
// aggregated weights, losses and constraints.
#include <algorithm>
#include <functional>
#include <map>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/model.h"
#include "layer_util.h"

namespace keras::engine {

namespace K = keras::backend;

namespace {

std::string node_key(const LayerImpl& layer, int node_index) {
  return layer.name + "_ib-" + std::to_string(node_index);
}

std::string model_name(const std::string& name, const std::string& class_name) {
  if (!name.empty()) return name;
  // Keras: Sequential's prefix is "sequential_", other containers use the
  // lower-cased class name: "sequential_1", "model_1".
  if (class_name == "Sequential") return "sequential_" + std::to_string(K::get_uid("sequential_"));
  std::string prefix = class_name;
  for (char& c : prefix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return prefix + "_" + std::to_string(K::get_uid(prefix));
}

KerasHistory history_of(const tf::Tensor& x) {
  auto info = keras_tensor_info(x);
  return info && info->history ? *info->history : KerasHistory{};
}

}  // namespace

ModelImpl::ModelImpl(const std::string& name, std::string cls)
    : LayerImpl(cls, LayerOptions{.name = model_name(name, cls)}) {}

void ModelImpl::init_graph(const std::vector<tf::Tensor>& ins, const std::vector<tf::Tensor>& outs,
                           bool create_node) {
  const std::string& cls = class_name;
  for (size_t i = 0; i < ins.size(); ++i)
    for (size_t j = i + 1; j < ins.size(); ++j)
      if (ins[i] == ins[j])
        throw keraspp::ValueError(
            "The list of inputs passed to the model is redundant. All inputs should only appear "
            "once. Found: " + tensor_list_repr(ins));
  for (const tf::Tensor& x : ins)
    if (!is_keras_tensor(x))
      throw keraspp::TypeError("Input tensors to a " + cls + " must be Keras tensors. Found: " +
                               tensor_repr(x) + " (missing Keras metadata).");
  for (const tf::Tensor& x : outs)
    if (!is_keras_tensor(x))
      throw keraspp::TypeError("Output tensors to a " + cls + " must be Keras tensors. Found: " +
                               tensor_repr(x));
  inputs = ins;
  outputs = outs;
  input_layers.clear();
  output_layers.clear();
  input_layers_node_indices.clear();
  input_layers_tensor_indices.clear();
  output_layers_node_indices.clear();
  output_layers_tensor_indices.clear();
  for (const tf::Tensor& x : outputs) {
    const KerasHistory h = history_of(x);
    output_layers.push_back(h.layer);
    output_layers_node_indices.push_back(h.node_index);
    output_layers_tensor_indices.push_back(h.tensor_index);
  }
  for (const tf::Tensor& x : inputs) {
    const KerasHistory h = history_of(x);
    input_layers.push_back(h.layer);
    input_layers_node_indices.push_back(h.node_index);
    input_layers_tensor_indices.push_back(h.tensor_index);
  }
  internal_input_shapes.clear();
  internal_output_shapes.clear();
  for (const tf::Tensor& x : inputs) internal_input_shapes.push_back(keras_shape(x));
  for (const tf::Tensor& x : outputs) internal_output_shapes.push_back(keras_shape(x));

  // Depths: outputs' nodes at 0, each inbound node one deeper than the
  // deepest node using it; a layer sits at the depth of its deepest node.
  // Layers are ordered by decreasing depth, then by first discovery.
  std::map<const Node*, int> node_depths;
  std::vector<std::shared_ptr<Node>> node_order;
  std::map<const LayerImpl*, int> layer_depths, layer_indices;
  std::vector<std::shared_ptr<LayerImpl>> layer_order;
  container_nodes.clear();
  std::function<void(const std::shared_ptr<LayerImpl>&, int, int)> visit =
      [&](const std::shared_ptr<LayerImpl>& layer, int node_index, int depth) {
        const std::shared_ptr<Node>& node = layer->inbound_nodes.at(static_cast<size_t>(node_index));
        container_nodes.insert(node_key(*layer, node_index));
        if (!layer_indices.count(layer.get())) {
          layer_indices[layer.get()] = static_cast<int>(layer_indices.size());
          layer_order.push_back(layer);
        }
        auto nd = node_depths.find(node.get());
        if (nd == node_depths.end()) {
          node_depths[node.get()] = depth;
          node_order.push_back(node);
        } else {
          nd->second = std::max(nd->second, depth);
        }
        int& ld = layer_depths.try_emplace(layer.get(), depth).first->second;
        ld = std::max(ld, depth);
        const int current = ld;
        for (size_t i = 0; i < node->inbound_layers.size(); ++i) {
          const auto& in_layer = node->inbound_layers[i];
          const int in_index = node->node_indices[i];
          const Node* next = in_layer->inbound_nodes.at(static_cast<size_t>(in_index)).get();
          // Only a deeper placement can change anything upstream. (Layer
          // graphs are acyclic: a call's outputs are newer than its inputs.)
          auto it = node_depths.find(next);
          if (it == node_depths.end() || it->second < current + 1)
            visit(in_layer, in_index, current + 1);
        }
      };
  for (size_t i = 0; i < outputs.size(); ++i)
    visit(output_layers[i], output_layers_node_indices[i], 0);

  nodes_by_depth.clear();
  for (const auto& node : node_order) nodes_by_depth[node_depths[node.get()]].push_back(node);
  layers_by_depth.clear();
  for (const auto& layer : layer_order) layers_by_depth[layer_depths[layer.get()]].push_back(layer);
  layers.clear();
  for (auto it = layers_by_depth.rbegin(); it != layers_by_depth.rend(); ++it)
    for (const auto& layer : it->second) layers.push_back(layer);

  // Every node's inputs must be computable from the model's inputs.
  std::vector<tf::Tensor> computable = inputs;
  std::vector<std::string> complete;
  for (auto it = nodes_by_depth.rbegin(); it != nodes_by_depth.rend(); ++it) {
    for (const auto& node : it->second) {
      const auto layer = node->outbound_layer.lock();
      for (const tf::Tensor& x : node->input_tensors) {
        if (std::find(computable.begin(), computable.end(), x) == computable.end()) {
          std::string done = "[";
          for (size_t k = 0; k < complete.size(); ++k) done += (k ? ", '" : "'") + complete[k] + "'";
          throw keraspp::ValueError("Graph disconnected: cannot obtain value for tensor " +
                                    tensor_repr(x) + " at layer \"" + layer->name +
                                    "\". The following previous layers were accessed without "
                                    "issue: " + done + "]");
        }
      }
      for (const tf::Tensor& x : node->output_tensors) computable.push_back(x);
      complete.push_back(layer->name);
    }
  }
  for (const auto& l : layers) {
    const auto n = std::count_if(layers.begin(), layers.end(),
                                 [&](const auto& o) { return o->name == l->name; });
    if (n != 1)
      throw keraspp::ValueError("The name \"" + l->name + "\" is used " + std::to_string(n) +
                                " times in the model. All layer names should be unique.");
  }

  output_names.clear();
  for (const auto& l : output_layers) output_names.push_back(l->name);
  input_names.clear();
  for (const auto& l : input_layers) input_names.push_back(l->name);

  if (create_node) {
    auto node = std::make_shared<Node>();
    node->outbound_layer = weak_from_this();
    node->input_tensors = node_held(inputs);
    node->output_tensors = node_held(outputs);
    node->input_masks.assign(inputs.size(), tf::Tensor());
    node->output_masks.assign(outputs.size(), tf::Tensor());
    node->input_shapes = internal_input_shapes;
    node->output_shapes = internal_output_shapes;
    inbound_nodes.push_back(node);
  }
  built = true;
}

void ModelImpl::build(const std::vector<tf::TensorShape>&) { ensure_built(); }

// ---- aggregated state --------------------------------------------------------

std::vector<tf::Variable> ModelImpl::trainable_weights() const {
  if (!trainable) return {};
  std::vector<tf::Variable> w;
  for (const auto& l : layers) {
    const auto lw = l->trainable_weights();
    w.insert(w.end(), lw.begin(), lw.end());
  }
  return w;
}

std::vector<tf::Variable> ModelImpl::non_trainable_weights() const {
  std::vector<tf::Variable> w;
  for (const auto& l : layers) {
    const auto lw = l->non_trainable_weights();
    w.insert(w.end(), lw.begin(), lw.end());
  }
  if (trainable) return w;
  std::vector<tf::Variable> all;
  for (const auto& l : layers) {
    const auto lw = l->trainable_weights();
    all.insert(all.end(), lw.begin(), lw.end());
  }
  all.insert(all.end(), w.begin(), w.end());
  return all;
}

std::vector<tf::Tensor> ModelImpl::losses() const {
  std::vector<tf::Tensor> out;
  auto add = [&](const std::vector<tf::Tensor>& ls) { out.insert(out.end(), ls.begin(), ls.end()); };
  for (const auto& l : layers) {
    if (l->inbound_nodes.size() == 1) {
      add(l->losses());
      continue;
    }
    for (size_t i = 0; i < l->inbound_nodes.size(); ++i)
      if (container_nodes.count(node_key(*l, static_cast<int>(i))))
        add(l->get_losses_for(l->inbound_nodes[i]->input_tensors));
    add(l->get_losses_for({}));
  }
  add(get_losses_for({}));
  return out;
}

std::vector<std::pair<tf::Variable, constraints::Constraint>> ModelImpl::constraints() const {
  std::vector<std::pair<tf::Variable, constraints::Constraint>> out;
  for (const auto& l : layers) {
    for (const auto& [w, c] : l->constraints()) {
      // (clang 14, the sanitizer build's compiler, cannot capture a structured binding)
      auto it = std::find_if(out.begin(), out.end(), [&w = w](const auto& p) { return p.first == w; });
      if (it != out.end()) {
        if (it->second.class_name() != c.class_name() ||
            it->second.get_config() != c.get_config())
          throw keraspp::ValueError("Received multiple constraints for one weight tensor: " +
                                    w.name());
        continue;
      }
      out.emplace_back(w, c);
    }
  }
  return out;
}

std::vector<tf::Operation> ModelImpl::updates() const {
  std::vector<tf::Operation> out;
  for (const auto& l : layers) {
    const auto u = l->updates();
    out.insert(out.end(), u.begin(), u.end());
  }
  return out;
}

bool ModelImpl::outputs_use_learning_phase() const {
  return std::any_of(outputs.begin(), outputs.end(),
                     [](const tf::Tensor& x) { return K::uses_learning_phase(x); });
}

}  // namespace keras::engine
