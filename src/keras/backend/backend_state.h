// keras.backend's per-graph state (private to src/keras): Keras's
// _GRAPH_UID_DICTS and _GRAPH_LEARNING_PHASES, plus the ops the backend caches
// per graph. Keyed by graph id; an entry holds no reference to its graph, so
// it never keeps a graph alive.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/graph/graph.h"

namespace keras::backend {

struct GraphState {
  std::weak_ptr<tf::GraphData> graph;
  std::map<std::string, int64_t> uids;
  int learning_phase_node = -1;   // the placeholder_with_default
  std::optional<int> learning_phase_value;  // set_learning_phase
  int learning_phase_const = -1;  // the constant returned while a value is set
  // Tensors (node, output) that depend on the learning phase.
  std::set<std::pair<int, int>> uses_learning_phase;
  // Variable node id -> its cached IsVariableInitialized node id.
  std::map<int, int> is_initialized_ops;
};

// Guards all backend state; graph_state / for_each_graph_state need it held.
std::mutex& state_mutex();
GraphState& graph_state(const tf::Graph& g);
void for_each_graph_state(const std::function<void(GraphState&)>& f);

}  // namespace keras::backend
