// Graph internals shared by the layers above (ops, kernels, runtime); not
// installed: users see graphs only through the handles in graph.h.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "graph/node_list.h"
#include "keraspp/graph/graph.h"

namespace tf {

// An input edge: output `index` of node `node` in the same graph.
struct Edge {
  int node;
  int index;
};

struct Node {
  int id;
  std::string name;
  std::string type;
  const OpDef* def;
  std::vector<Edge> inputs;
  std::vector<int> control_inputs;
  AttrMap attrs;
  std::vector<DType> out_dtypes;
  std::vector<TensorShape> out_shapes;
};

struct FunctionDef;

struct GraphData {
  uint64_t id;  // process-unique, so a Session can tell graphs apart
  // Node ids index it; readers need no lock (node_list.h).
  AppendOnlyList<Node> nodes;
  std::map<std::string, int> by_name;
  std::map<std::string, int> names_in_use;
  std::map<std::string, std::vector<CollectionItem>> collections;
  std::map<std::string, int64_t> counters;
  int64_t seed = -1;
  int64_t last_op_seed = 0;
  // Functions (If branches, While cond and body: graph/function.h) that ops
  // of this graph name by a string attr. Held downward only: a function's
  // graph never holds the graph that uses it.
  std::map<std::string, std::shared_ptr<const FunctionDef>> functions;
  // Set only while this graph is a function body being built: the graph it
  // is built in, whose tensors used here become captures (new arguments
  // fed from outside: outer edge -> argument node id). Cleared when the
  // body is finished, so no cycle remains.
  std::shared_ptr<GraphData> capture_outer;
  std::vector<std::pair<Edge, int>> captures;
  // Serialises building (create_op, naming, collections, counters) and what
  // reads a whole graph (compiling a plan): threads share the process-wide
  // default graph, as in TF 1.x. Recursive because building an op may name
  // or build others. The name scope and control dependencies are each
  // thread's own (graph/build_context.h, TF's Graph._thread_local), so
  // threads building in one graph at once do not leak them into each
  // other's ops; sessions may run the graph meanwhile.
  mutable std::recursive_mutex build_mu;
};

}  // namespace tf
