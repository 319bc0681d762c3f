// The Keras metadata of tensors (`_keras_shape`, `_keras_history`), kept in a
// table owned by the tensors' graph, and snake_case naming.
#include <map>
#include <mutex>
#include <regex>
#include <set>

#include "../backend/backend_state.h"
#include "keraspp/keras/engine/topology.h"

namespace keras::engine {

namespace {

// Lives in a graph collection, so it goes away with its graph. Its history
// entries hold layers, whose variables hold the graph: K::clear_session()
// clears the table of the graph it discards to break that cycle.
struct MetadataTable {
  std::map<std::pair<int, int>, KerasTensorInfo> info;
};
const char* const kCollection = "__keras_tensor_metadata";
std::mutex g_mutex;

MetadataTable& table(tf::Graph g) {
  auto& col = g.get_collection_ref(kCollection);
  if (col.empty()) g.add_to_collection(kCollection, std::make_shared<MetadataTable>());
  return *std::static_pointer_cast<MetadataTable>(g.get_collection_ref(kCollection).front());
}

const bool hook_registered = [] {
  backend::clear_session_hooks().push_back([](const tf::Graph& g) {
    std::lock_guard<std::mutex> lock(g_mutex);
    tf::Graph(g).clear_collection(kCollection);
  });
  return true;
}();

}  // namespace

std::optional<KerasTensorInfo> keras_tensor_info(const tf::Tensor& x) {
  if (!x) return std::nullopt;
  std::lock_guard<std::mutex> lock(g_mutex);
  const MetadataTable& t = table(x.graph());
  auto it = t.info.find({x.node_id(), x.value_index()});
  if (it == t.info.end()) return std::nullopt;
  return it->second;
}

void set_keras_tensor_info(const tf::Tensor& x, KerasTensorInfo info) {
  std::lock_guard<std::mutex> lock(g_mutex);
  table(x.graph()).info[{x.node_id(), x.value_index()}] = std::move(info);
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
  if (node.inbound_layers.empty()) return node.input_tensors;  // an input layer
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
