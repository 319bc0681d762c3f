// The Keras metadata of tensors (`_keras_shape`, `_keras_history`), carried
// by the tensor handles (tf::Tensor::annotation), and snake_case naming.
#include <map>
#include <regex>
#include <set>

#include "keraspp/keras/engine/topology.h"

namespace keras::engine {

namespace {

// A tensor's annotation. The history names its layer weakly; `owner` keeps
// the layer alive for tensors the user holds (Python's tensor object owns
// its _keras_history), and is dropped in the copies a layer's own Nodes
// hold, which would otherwise own the layer that owns them.
struct Annotation {
  tf::TensorShape keras_shape;
  bool has_history = false;
  std::weak_ptr<LayerImpl> layer;
  int node_index = 0;
  int tensor_index = 0;
  std::shared_ptr<LayerImpl> owner;
};

const Annotation* annotation_of(const tf::Tensor& x) {
  return static_cast<const Annotation*>(x.annotation().get());
}

// x with its annotation's owner set (keep = true) or dropped.
tf::Tensor with_owner(const tf::Tensor& x, bool keep) {
  const Annotation* a = annotation_of(x);
  if (!a || !a->has_history || (a->owner != nullptr) == keep) return x;
  auto copy = std::make_shared<Annotation>(*a);
  copy->owner = keep ? a->layer.lock() : nullptr;
  tf::Tensor y = x;
  y.set_annotation(std::move(copy));
  return y;
}

}  // namespace

std::optional<KerasTensorInfo> keras_tensor_info(const tf::Tensor& x) {
  const Annotation* a = x ? annotation_of(x) : nullptr;
  if (!a) return std::nullopt;
  KerasTensorInfo info{a->keras_shape, std::nullopt};
  if (a->has_history) {
    std::shared_ptr<LayerImpl> layer = a->layer.lock();
    if (!layer)
      throw keraspp::ValueError("The layer that produced " + x.name() +
                                " no longer exists (its model was destroyed).");
    info.history = KerasHistory{std::move(layer), a->node_index, a->tensor_index};
  }
  return info;
}

void set_keras_tensor_info(tf::Tensor& x, const KerasTensorInfo& info) {
  auto a = std::make_shared<Annotation>();
  a->keras_shape = info.keras_shape;
  if (info.history) {
    a->has_history = true;
    a->layer = info.history->layer;
    a->node_index = info.history->node_index;
    a->tensor_index = info.history->tensor_index;
    a->owner = info.history->layer;
  }
  x.set_annotation(std::move(a));
}

tf::Tensor node_held(const tf::Tensor& x) { return with_owner(x, false); }
tf::Tensor user_held(const tf::Tensor& x) { return with_owner(x, true); }

std::vector<tf::Tensor> node_held(const std::vector<tf::Tensor>& xs) {
  std::vector<tf::Tensor> out;
  out.reserve(xs.size());
  for (const tf::Tensor& x : xs) out.push_back(node_held(x));
  return out;
}

std::vector<tf::Tensor> user_held(const std::vector<tf::Tensor>& xs) {
  std::vector<tf::Tensor> out;
  out.reserve(xs.size());
  for (const tf::Tensor& x : xs) out.push_back(user_held(x));
  return out;
}

bool is_keras_tensor(const tf::Tensor& x) {
  const auto info = keras_tensor_info(x);
  return info && info->history.has_value();
}

tf::TensorShape keras_shape(const tf::Tensor& x) {
  if (auto info = keras_tensor_info(x)) return info->keras_shape;
  return x.shape();
}

std::vector<tf::Tensor> get_source_inputs(const tf::Tensor& x) {
  const auto info = keras_tensor_info(x);
  if (!info || !info->history) return {x};
  const KerasHistory& h = *info->history;
  const Node& node = *h.layer->inbound_nodes.at(static_cast<size_t>(h.node_index));
  if (node.inbound_layers.empty()) return user_held(node.input_tensors);  // an input layer
  std::vector<tf::Tensor> sources;
  for (const tf::Tensor& in : node.input_tensors)
    for (const tf::Tensor& s : get_source_inputs(in))
      if (std::find(sources.begin(), sources.end(), s) == sources.end()) sources.push_back(s);
  return sources;
}

std::string to_snake_case(const std::string& name) {
  static const std::regex first("(.)([A-Z][a-z0-9]+)");
  static const std::regex second("([a-z])([A-Z])");
  std::string s = std::regex_replace(name, first, "$1_$2");
  s = std::regex_replace(s, second, "$1_$2");
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!s.empty() && s[0] == '_') return "private" + s;
  return s;
}

}  // namespace keras::engine
