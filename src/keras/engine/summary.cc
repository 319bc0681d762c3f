// Model.summary(): Keras 2.0.2's utils/layer_utils.print_summary, text for text.
#include <algorithm>
#include <ostream>
#include <set>

#include "keraspp/keras/engine/model.h"

namespace keras::engine {

namespace {

// Python's print_row: each field cut to its column end and padded; a field
// that reaches the end of its column loses its last character to a space.
std::string row(const std::vector<std::string>& fields, const std::vector<int>& positions) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) {
      if (line.empty()) line = " ";
      else line.back() = ' ';
    }
    line += fields[i];
    const size_t end = static_cast<size_t>(std::max(positions[i], 0));
    if (line.size() > end) line.resize(end);
    line.append(end - line.size(), ' ');
  }
  return line;
}

// "{:,}".format(n)
std::string thousands(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// str() of a layer's output_shape: a tuple, a list of tuples, or "multiple".
std::string output_shape_str(const LayerImpl& layer) {
  std::vector<tf::TensorShape> shapes;
  try {
    shapes = layer.output_shape();
  } catch (const keraspp::ValueError&) {
    return "multiple";
  }
  if (shapes.size() == 1) return shapes[0].keras_str();
  std::string s = "[";
  for (size_t i = 0; i < shapes.size(); ++i) s += (i ? ", " : "") + shapes[i].keras_str();
  return s + "]";
}

// Trainable and non-trainable parameter counts, each layer once; containers
// count through their layers.
void count_params(const std::vector<std::shared_ptr<LayerImpl>>& layers,
                  std::set<const LayerImpl*>& seen, int64_t& trainable, int64_t& non_trainable) {
  for (const auto& l : layers) {
    if (!seen.insert(l.get()).second) continue;
    if (l->is_container()) {
      count_params(static_cast<const ModelImpl&>(*l).layers, seen, trainable, non_trainable);
      continue;
    }
    for (const tf::Variable& w : l->trainable_weights()) trainable += w.shape().num_elements();
    for (const tf::Variable& w : l->non_trainable_weights()) non_trainable += w.shape().num_elements();
  }
}

}  // namespace

void print_summary(const ModelImpl& model, std::ostream& os, int line_length,
                   std::vector<double> positions) {
  bool sequential_like = model.class_name == "Sequential";
  if (!sequential_like) {
    sequential_like = true;
    for (const auto& [depth, nodes] : model.nodes_by_depth)
      if (nodes.size() > 1) sequential_like = false;
  }
  std::vector<std::string> header;
  if (sequential_like) {
    if (line_length <= 0) line_length = 65;
    if (positions.empty()) positions = {.45, .85, 1.};
    header = {"Layer (type)", "Output Shape", "Param #"};
  } else {
    if (line_length <= 0) line_length = 100;
    if (positions.empty()) positions = {.33, .55, .67, 1.};
    header = {"Layer (type)", "Output Shape", "Param #", "Connected to"};
  }
  std::vector<int> cols;
  for (double p : positions)
    cols.push_back(positions.back() <= 1 ? static_cast<int>(line_length * p) : static_cast<int>(p));
  if (cols.size() < header.size())
    throw keraspp::ValueError("summary: positions needs " + std::to_string(header.size()) + " entries");

  // Nodes of this model, for "Connected to" (a shared layer's other calls
  // are left out). Keras 2.0.2 meant this filter but compared "name_ib-N"
  // strings against Node objects, so it printed no connections at all; the
  // column here shows what it was written to show (as Keras 2.0.3+ does).
  std::set<const Node*> relevant;
  for (const auto& [depth, nodes] : model.nodes_by_depth)
    for (const auto& n : nodes) relevant.insert(n.get());

  const std::string rule(static_cast<size_t>(line_length), '_');
  const std::string double_rule(static_cast<size_t>(line_length), '=');
  os << rule << '\n' << row(header, cols) << '\n' << double_rule << '\n';
  const auto& layers = model.layers;
  for (size_t i = 0; i < layers.size(); ++i) {
    const LayerImpl& l = *layers[i];
    const std::string name = l.name + " (" + l.class_name + ")";
    const std::string params = std::to_string(l.count_params());
    if (sequential_like) {
      os << row({name, output_shape_str(l), params}, cols) << '\n';
    } else {
      std::vector<std::string> connections;
      for (const auto& node : l.inbound_nodes) {
        if (!relevant.count(node.get())) continue;
        for (size_t j = 0; j < node->inbound_layers.size(); ++j)
          connections.push_back(node->inbound_layers[j]->name + "[" +
                                std::to_string(node->node_indices[j]) + "][" +
                                std::to_string(node->tensor_indices[j]) + "]");
      }
      os << row({name, output_shape_str(l), params, connections.empty() ? "" : connections[0]}, cols)
         << '\n';
      for (size_t c = 1; c < connections.size(); ++c) os << row({"", "", "", connections[c]}, cols) << '\n';
    }
    os << (i + 1 == layers.size() ? double_rule : rule) << '\n';
  }
  int64_t trainable = 0, non_trainable = 0;
  std::set<const LayerImpl*> seen;
  count_params(layers, seen, trainable, non_trainable);
  os << "Total params: " << thousands(trainable + non_trainable) << '\n'
     << "Trainable params: " << thousands(trainable) << '\n'
     << "Non-trainable params: " << thousands(non_trainable) << '\n'
     << rule << '\n';
}

}  // namespace keras::engine
