// The Model handle: construction from tensors, layer lookup and topology
// accessors; and the container's get_config (Keras 2.0.2's layout).
#include <map>

#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/engine/model.h"
#include "layer_util.h"

namespace keras::engine {

namespace {

std::shared_ptr<ModelImpl> functional(const std::vector<tf::Tensor>& inputs,
                                      const std::vector<tf::Tensor>& outputs, const std::string& name) {
  auto impl = std::make_shared<ModelImpl>(name);
  impl->init_graph(inputs, outputs);
  return impl;
}

std::vector<Layer> handles(const std::vector<std::shared_ptr<LayerImpl>>& ls) {
  return std::vector<Layer>(ls.begin(), ls.end());
}

std::string node_key(const LayerImpl& layer, size_t node_index) {
  return layer.name + "_ib-" + std::to_string(node_index);
}

}  // namespace

Model::Model(const std::vector<tf::Tensor>& inputs, const std::vector<tf::Tensor>& outputs,
             const std::string& name)
    : Layer(functional(inputs, outputs, name)) {}
Model::Model(const tf::Tensor& input, const tf::Tensor& output, const std::string& name)
    : Model(std::vector<tf::Tensor>{input}, std::vector<tf::Tensor>{output}, name) {}
Model::Model(const std::vector<tf::Tensor>& inputs, const tf::Tensor& output, const std::string& name)
    : Model(inputs, std::vector<tf::Tensor>{output}, name) {}
Model::Model(const tf::Tensor& input, const std::vector<tf::Tensor>& outputs, const std::string& name)
    : Model(std::vector<tf::Tensor>{input}, outputs, name) {}
Model::Model(std::shared_ptr<ModelImpl> impl) : Layer(std::move(impl)) {}

ModelImpl& Model::impl() const {
  auto& m = static_cast<ModelImpl&>(*impl_);
  m.ensure_built();
  return m;
}

std::shared_ptr<ModelImpl> Model::model_impl_ptr() const {
  impl();
  return std::static_pointer_cast<ModelImpl>(impl_);
}

std::vector<Layer> Model::layers() const {
  // Sequential's added layers need no built topology.
  return handles(static_cast<ModelImpl&>(*impl_).layers);
}

Layer Model::get_layer(const std::string& name) const {
  if (name.empty()) throw keraspp::ValueError("Provide either a layer name or layer index.");
  for (const auto& l : static_cast<ModelImpl&>(*impl_).layers)
    if (l->name == name) return Layer(l);
  throw keraspp::ValueError("No such layer: " + name);
}

Layer Model::get_layer(int index) const {
  const auto& ls = static_cast<ModelImpl&>(*impl_).layers;
  if (index < 0 || static_cast<size_t>(index) >= ls.size())
    throw keraspp::ValueError("Was asked to retrieve layer at index " + std::to_string(index) +
                              " but model only has " + std::to_string(ls.size()) + " layers.");
  return Layer(ls[static_cast<size_t>(index)]);
}

const std::vector<tf::Tensor>& Model::inputs() const { return impl().inputs; }
const std::vector<tf::Tensor>& Model::outputs() const { return impl().outputs; }
const std::vector<std::string>& Model::input_names() const { return impl().input_names; }
const std::vector<std::string>& Model::output_names() const { return impl().output_names; }
std::vector<Layer> Model::input_layers() const { return handles(impl().input_layers); }
std::vector<Layer> Model::output_layers() const { return handles(impl().output_layers); }
const std::vector<tf::TensorShape>& Model::internal_input_shapes() const {
  return impl().internal_input_shapes;
}
const std::vector<tf::TensorShape>& Model::internal_output_shapes() const {
  return impl().internal_output_shapes;
}
bool Model::uses_learning_phase() const { return impl().outputs_use_learning_phase(); }
void Model::reset_states() const {
  // Sequential builds its topology on demand; its added layers are known already.
  static_cast<ModelImpl&>(*impl_).reset_states();
}

bool ModelImpl::is_stateful() const {
  for (const auto& l : layers)
    if (l->is_stateful()) return true;
  return false;
}

void ModelImpl::reset_states() {
  for (const auto& l : layers)
    if (l->is_stateful()) l->reset_states();
}
std::vector<tf::Operation> Model::updates() const { return impl().updates(); }

void Model::summary(std::ostream& os, int line_length, std::vector<double> positions) const {
  print_summary(impl(), os, line_length, std::move(positions));
}

// Keras 2.0.2's Container.get_config: the layers with their inbound nodes
// renumbered to the nodes inside this model, and the input/output layers.
Config ModelImpl::get_config() const {
  Config config;
  config["name"] = name;
  std::map<std::string, int> node_conversion;
  for (const auto& l : layers) {
    int kept = l->is_container() ? 1 : 0;
    for (size_t i = 0; i < l->inbound_nodes.size(); ++i) {
      const std::string k = node_key(*l, i);
      if (container_nodes.count(k)) node_conversion[k] = kept++;
    }
  }
  Config layer_configs = Config::array();
  for (const auto& l : layers) {
    Config filtered = Config::array();
    for (size_t i = 0; i < l->inbound_nodes.size(); ++i) {
      if (!container_nodes.count(node_key(*l, i))) continue;
      const Node& node = *l->inbound_nodes[i];
      if (node.inbound_layers.empty()) continue;
      Config node_data = Config::array();
      for (size_t j = 0; j < node.inbound_layers.size(); ++j) {
        const auto& in = *node.inbound_layers[j];
        const std::string k = node_key(in, static_cast<size_t>(node.node_indices[j]));
        const int new_index = node_conversion.count(k) ? node_conversion[k] : 0;
        node_data.push_back(Config::array({in.name, new_index, node.tensor_indices[j], Config::object()}));
      }
      filtered.push_back(node_data);
    }
    Config lc;
    lc["name"] = l->name;
    lc["class_name"] = l->class_name;
    lc["config"] = l->get_config();
    lc["inbound_nodes"] = filtered;
    layer_configs.push_back(lc);
  }
  config["layers"] = layer_configs;
  auto ends = [&](const std::vector<std::shared_ptr<LayerImpl>>& ls, const std::vector<int>& nodes,
                  const std::vector<int>& tensors) {
    Config out = Config::array();
    for (size_t i = 0; i < ls.size(); ++i) {
      const std::string k = node_key(*ls[i], static_cast<size_t>(nodes[i]));
      out.push_back(Config::array({ls[i]->name, node_conversion.count(k) ? node_conversion[k] : 0, tensors[i]}));
    }
    return out;
  };
  config["input_layers"] = ends(input_layers, input_layers_node_indices, input_layers_tensor_indices);
  config["output_layers"] = ends(output_layers, output_layers_node_indices, output_layers_tensor_indices);
  return config;
}

}  // namespace keras::engine
