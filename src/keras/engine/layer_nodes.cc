// LayerImpl's node-indexed accessors, with Keras 2.0.2's errors when a layer
// was never called or its single-node notions are ill-defined.
#include <set>

#include "keraspp/keras/engine/topology.h"

namespace keras::engine {

namespace {

const Node& node_at(const LayerImpl& l, int node_index, const std::string& attr) {
  if (l.inbound_nodes.empty())
    throw keraspp::ValueError("The layer has never been called and thus has no defined " + attr + ".");
  if (node_index < 0 || static_cast<size_t>(node_index) >= l.inbound_nodes.size())
    throw keraspp::ValueError("Asked to get " + attr + " at node " + std::to_string(node_index) +
                              ", but the layer has only " + std::to_string(l.inbound_nodes.size()) +
                              " inbound nodes.");
  return *l.inbound_nodes[static_cast<size_t>(node_index)];
}

std::string shapes_key(const std::vector<tf::TensorShape>& shapes) {
  std::string k;
  for (const auto& s : shapes) k += s.keras_str() + ";";
  return k;
}

}  // namespace

std::vector<tf::Tensor> LayerImpl::get_input_at(int node_index) const {
  return user_held(node_at(*this, node_index, "input").input_tensors);
}
std::vector<tf::Tensor> LayerImpl::get_output_at(int node_index) const {
  return user_held(node_at(*this, node_index, "output").output_tensors);
}
std::vector<tf::TensorShape> LayerImpl::get_input_shape_at(int node_index) const {
  return node_at(*this, node_index, "input shape").input_shapes;
}
std::vector<tf::TensorShape> LayerImpl::get_output_shape_at(int node_index) const {
  return node_at(*this, node_index, "output shape").output_shapes;
}

std::vector<tf::Tensor> LayerImpl::input() const {
  if (inbound_nodes.size() > 1)
    throw keraspp::ValueError("Layer " + name +
                              " has multiple inbound nodes, hence the notion of \"layer input\" is "
                              "ill-defined. Use `get_input_at(node_index)` instead.");
  if (inbound_nodes.empty())
    throw keraspp::ValueError("Layer " + name + " is not connected, no input to return.");
  return get_input_at(0);
}

std::vector<tf::Tensor> LayerImpl::output() const {
  if (inbound_nodes.empty()) throw keraspp::ValueError("Layer " + name + " has no inbound nodes.");
  if (inbound_nodes.size() > 1)
    throw keraspp::ValueError("Layer " + name +
                              " has multiple inbound nodes, hence the notion of \"layer output\" "
                              "is ill-defined. Use `get_output_at(node_index)` instead.");
  return get_output_at(0);
}

std::vector<tf::TensorShape> LayerImpl::input_shape() const {
  if (inbound_nodes.empty())
    throw keraspp::ValueError("The layer has never been called and thus has no defined input shape.");
  std::set<std::string> distinct;
  for (const auto& n : inbound_nodes) distinct.insert(shapes_key(n->input_shapes));
  if (distinct.size() != 1)
    throw keraspp::ValueError("The layer \"" + name +
                              " has multiple inbound nodes, with different input shapes. Hence the "
                              "notion of \"input shape\" is ill-defined for the layer. Use "
                              "`get_input_shape_at(node_index)` instead.");
  return inbound_nodes[0]->input_shapes;
}

std::vector<tf::TensorShape> LayerImpl::output_shape() const {
  if (inbound_nodes.empty())
    throw keraspp::ValueError("The layer has never been called and thus has no defined output shape.");
  std::set<std::string> distinct;
  for (const auto& n : inbound_nodes) distinct.insert(shapes_key(n->output_shapes));
  if (distinct.size() != 1)
    throw keraspp::ValueError("The layer \"" + name +
                              " has multiple inbound nodes, with different output shapes. Hence "
                              "the notion of \"output shape\" is ill-defined for the layer. Use "
                              "`get_output_shape_at(node_index)` instead.");
  return inbound_nodes[0]->output_shapes;
}

}  // namespace keras::engine
