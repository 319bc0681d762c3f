// ModelImpl as a layer: re-applying its graph of layers to new tensors
// (Keras's run_internal_graph), shape inference and masks.
#include <algorithm>
#include <map>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/model.h"
#include "layer_util.h"

namespace keras::engine {

namespace K = keras::backend;

namespace {

using TensorKey = std::pair<int, int>;
TensorKey key_of(const tf::Tensor& t) { return {t.node_id(), t.value_index()}; }

struct Computed {
  tf::Tensor tensor;
  tf::Tensor mask;
};

}  // namespace

std::vector<tf::Tensor> ModelImpl::call(const std::vector<tf::Tensor>& new_inputs, const CallArgs& args) {
  ensure_built();
  if (new_inputs.size() != inputs.size())
    throw keraspp::ValueError("Model " + name + " expects " + std::to_string(inputs.size()) +
                              " inputs, but it received " + std::to_string(new_inputs.size()) +
                              " input tensors.");
  // Reference tensor (of the model's own graph) -> its value on the new inputs.
  std::map<TensorKey, Computed> tensor_map;
  for (size_t i = 0; i < inputs.size(); ++i)
    tensor_map[key_of(inputs[i])] = {new_inputs[i], i < args.mask.size() ? args.mask[i] : tf::Tensor()};

  for (auto it = nodes_by_depth.rbegin(); it != nodes_by_depth.rend(); ++it) {
    for (const auto& node : it->second) {
      const auto layer = node->outbound_layer.lock();
      std::vector<tf::Tensor> computed, masks;
      for (const tf::Tensor& x : node->input_tensors) {
        auto found = tensor_map.find(key_of(x));
        if (found == tensor_map.end()) break;
        computed.push_back(found->second.tensor);
        masks.push_back(found->second.mask);
      }
      if (computed.size() != node->input_tensors.size()) continue;
      std::vector<tf::Tensor> outs, out_masks;
      {
        tf::name_scope scope(layer->name);
        const bool any_mask = std::any_of(masks.begin(), masks.end(), [](const tf::Tensor& m) { return bool(m); });
        CallArgs layer_args{.mask = any_mask ? masks : std::vector<tf::Tensor>{}, .training = args.training};
        outs = layer->call(computed, layer_args);
        out_masks = layer->compute_mask(computed, any_mask ? masks : std::vector<tf::Tensor>{});
        if (layer->activity_regularizer) {
          std::vector<tf::Tensor> penalties;
          for (const tf::Tensor& y : outs) penalties.push_back(layer->activity_regularizer(y));
          layer->add_loss(penalties, computed);
        }
      }
      // Losses that depend on these inputs become this model's, for its inputs.
      add_loss(layer->get_losses_for(computed), new_inputs);

      // Keras shapes of the new outputs, and whether they use the learning phase.
      std::vector<tf::TensorShape> in_shapes;
      for (const tf::Tensor& x : computed) in_shapes.push_back(keras_shape(x));
      const bool shapes_known = std::all_of(in_shapes.begin(), in_shapes.end(),
                                            [](const tf::TensorShape& s) { return s.has_rank(); });
      const std::vector<tf::TensorShape> out_shapes =
          shapes_known ? layer->compute_output_shape(in_shapes) : std::vector<tf::TensorShape>{};
      const bool uses_lp = std::any_of(computed.begin(), computed.end(),
                                       [](const tf::Tensor& x) { return K::uses_learning_phase(x); });
      for (size_t i = 0; i < outs.size(); ++i) {
        if (i < out_shapes.size() && !keras_tensor_info(outs[i]))
          set_keras_tensor_info(outs[i], {out_shapes[i], std::nullopt});
        if (uses_lp || layer->uses_learning_phase) K::set_uses_learning_phase(outs[i], true);
      }
      for (size_t i = 0; i < node->output_tensors.size() && i < outs.size(); ++i)
        tensor_map[key_of(node->output_tensors[i])] = {outs[i], i < out_masks.size() ? out_masks[i] : tf::Tensor()};
    }
  }

  std::vector<tf::Tensor> result;
  last_output_masks_.clear();
  for (const tf::Tensor& x : outputs) {
    auto found = tensor_map.find(key_of(x));
    if (found == tensor_map.end())
      throw keraspp::ValueError("Could not compute output " + tensor_repr(x) + " of model " + name);
    result.push_back(found->second.tensor);
    last_output_masks_.push_back(found->second.mask);
  }
  last_call_inputs_ = new_inputs;
  return result;
}

std::vector<tf::Tensor> ModelImpl::compute_mask(const std::vector<tf::Tensor>& new_inputs,
                                                const std::vector<tf::Tensor>& masks) {
  // The masks come out of running the graph; call() keeps those of its last run.
  if (new_inputs != last_call_inputs_) call(new_inputs, CallArgs{.mask = masks});
  return last_output_masks_;
}

std::vector<tf::TensorShape> ModelImpl::compute_output_shape(
    const std::vector<tf::TensorShape>& input_shapes) {
  ensure_built();
  if (input_shapes.size() != input_layers.size())
    throw keraspp::ValueError("Invalid input_shape argument: model has " +
                              std::to_string(input_layers.size()) + " tensor inputs.");
  // "<layer>_<node>_<tensor>" -> shape, propagated by decreasing depth.
  std::map<std::string, tf::TensorShape> shapes;
  auto key = [](const LayerImpl& l, int node, int tensor) {
    return l.name + "_" + std::to_string(node) + "_" + std::to_string(tensor);
  };
  for (size_t i = 0; i < input_shapes.size(); ++i) shapes[key(*input_layers[i], 0, 0)] = input_shapes[i];
  for (auto it = nodes_by_depth.rbegin(); it != nodes_by_depth.rend(); ++it) {
    for (const auto& node : it->second) {
      const auto layer = node->outbound_layer.lock();
      if (std::find(input_layers.begin(), input_layers.end(), layer) != input_layers.end()) continue;
      std::vector<tf::TensorShape> in;
      for (size_t j = 0; j < node->inbound_layers.size(); ++j)
        in.push_back(shapes.at(key(*node->inbound_layers[j], node->node_indices[j], node->tensor_indices[j])));
      const std::vector<tf::TensorShape> out = layer->compute_output_shape(in);
      const auto pos = std::find(layer->inbound_nodes.begin(), layer->inbound_nodes.end(), node);
      const int node_index = static_cast<int>(pos - layer->inbound_nodes.begin());
      for (size_t j = 0; j < out.size(); ++j) shapes[key(*layer, node_index, static_cast<int>(j))] = out[j];
    }
  }
  std::vector<tf::TensorShape> result;
  for (size_t i = 0; i < output_layers.size(); ++i)
    result.push_back(shapes.at(key(*output_layers[i], output_layers_node_indices[i],
                                   output_layers_tensor_indices[i])));
  return result;
}

}  // namespace keras::engine
