// Sequential (Keras 2.0.2's keras.models.Sequential): a stack of layers whose
// container topology is computed when needed.
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/models.h"

namespace keras::engine {

SequentialImpl::SequentialImpl(const std::string& name) : ModelImpl(name, "Sequential") {}

void SequentialImpl::add(const Layer& handle) {
  const std::shared_ptr<LayerImpl>& layer = handle.impl_ptr();
  if (!layer)
    throw keraspp::TypeError("The added layer must be an instance of class Layer. Found: None");
  if (outputs.empty()) {
    // The first layer: give it an input layer unless it is already connected.
    if (layer->inbound_nodes.empty()) {
      if (!layer->batch_input_shape)
        throw keraspp::ValueError(
            "The first layer in a Sequential model must get an `input_shape` or "
            "`batch_input_shape` argument.");
      const tf::Tensor x = Input({.batch_shape = OptionalShape(layer->batch_input_shape),
                                  .name = layer->name + "_input", .dtype = layer->dtype});
      (*layer)({x});
    }
    if (layer->inbound_nodes.size() != 1)
      throw keraspp::ValueError(
          "A layer added to a Sequential model must not already be connected somewhere else. "
          "Model received layer " + layer->name + " which has " +
          std::to_string(layer->inbound_nodes.size()) + " pre-existing inbound connections.");
    if (layer->inbound_nodes[0]->output_tensors.size() != 1)
      throw keraspp::ValueError(
          "All layers in a Sequential model should have a single output tensor. For multi-output "
          "layers, use the functional API.");
    outputs = {user_held(layer->inbound_nodes[0]->output_tensors[0])};
    inputs = get_source_inputs(outputs[0]);
    // The model's own node, kept up to date as layers are added.
    auto node = std::make_shared<Node>();
    node->outbound_layer = weak_from_this();
    node->input_tensors = node_held(inputs);
    node->output_tensors = node_held(outputs);
    node->input_masks.assign(inputs.size(), tf::Tensor());
    node->output_masks = {tf::Tensor()};
    for (const tf::Tensor& x : inputs) node->input_shapes.push_back(keras_shape(x));
    node->output_shapes = {keras_shape(outputs[0])};
    inbound_nodes = {node};
  } else {
    const std::vector<tf::Tensor> out = (*layer)({outputs[0]});
    if (out.size() != 1)
      throw keraspp::TypeError(
          "All layers in a Sequential model should have a single output tensor. For multi-output "
          "layers, use the functional API.");
    outputs = out;
    inbound_nodes[0]->output_tensors = node_held(outputs);
    inbound_nodes[0]->output_shapes = {keras_shape(outputs[0])};
  }
  layers.push_back(layer);
  topology_current_ = false;
  built = false;
}

void SequentialImpl::pop() {
  if (layers.empty()) throw keraspp::TypeError("There are no layers in the model.");
  layers.pop_back();
  if (layers.empty()) {
    outputs.clear();
    inbound_nodes.clear();
    outbound_nodes.clear();
  } else {
    layers.back()->outbound_nodes.clear();
    outputs = layers.back()->output();
    inbound_nodes[0]->output_tensors = node_held(outputs);
    inbound_nodes[0]->output_shapes = {keras_shape(outputs[0])};
  }
  topology_current_ = false;
  built = false;
}

void SequentialImpl::ensure_built() {
  if (topology_current_) return;
  if (inputs.empty() || outputs.empty())
    throw keraspp::TypeError(
        "Sequential model cannot be built: model is empty. Add some layers first.");
  // The container's topology includes the input layer; Sequential's layers
  // are the stack as added.
  const std::vector<std::shared_ptr<LayerImpl>> stack = layers;
  init_graph(inputs, outputs, /*create_node=*/false);
  layers = stack;
  topology_current_ = true;
}

Config SequentialImpl::get_config() const {
  Config config = Config::array();
  for (const auto& l : layers) {
    Config c;
    c["class_name"] = l->class_name;
    c["config"] = l->get_config();
    config.push_back(c);
  }
  return config;
}

// ---- the handle ----------------------------------------------------------------

Sequential::Sequential(const std::string& name) : Model(std::make_shared<SequentialImpl>(name)) {}

Sequential::Sequential(const std::vector<Layer>& layers, const std::string& name) : Sequential(name) {
  for (const Layer& l : layers) add(l);
}

void Sequential::add(const Layer& layer) const { sequential_impl().add(layer); }
void Sequential::pop() const { sequential_impl().pop(); }

SequentialImpl& Sequential::sequential_impl() const { return static_cast<SequentialImpl&>(*impl_); }

}  // namespace keras::engine
