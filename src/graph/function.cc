// Function bodies: building them in their own graph, capturing the outer
// tensors they use, and the per-graph function library.
#include "graph/function.h"

#include <algorithm>
#include <atomic>
#include <sstream>

#include "keraspp/graph/op_registry.h"

namespace tf {

namespace {

std::atomic<uint64_t> g_next_function{1};

std::string unique_function_name(const std::string& hint) {
  return hint + "_fn_" + std::to_string(g_next_function++);
}

Tensor new_arg(const std::shared_ptr<GraphData>& fn, DType dtype, const TensorShape& shape,
               const std::string& name) {
  Graph g(fn);
  return g.create_op(NodeSpec{"Placeholder", name, {}, {{"dtype", dtype}, {"shape", shape}}}).output(0);
}

}  // namespace

Tensor capture_into(const std::shared_ptr<GraphData>& fn, const Tensor& t) {
  if (t.graph_data() == fn) return t;
  if (!fn->capture_outer) {
    std::ostringstream os;
    os << t << " must be from the same graph as the ops using it (it is from no graph "
       << "enclosing this function body).";
    throw keraspp::ValueError(os.str());
  }
  const Tensor outer = capture_into(fn->capture_outer, t);
  const Edge edge{outer.node_id(), outer.value_index()};
  for (const auto& [e, arg] : fn->captures)
    if (e.node == edge.node && e.index == edge.index) return Tensor(fn, arg, 0);
  const Node& n = fn->capture_outer->nodes[static_cast<size_t>(edge.node)];
  if (n.def->is_constant) {  // copied in: shape functions keep seeing the value
    NodeSpec spec{n.type, "captured_const", {}, n.attrs};
    return Graph(fn).create_op(spec).output(0);
  }
  const Tensor arg = new_arg(fn, outer.dtype(), outer.shape(), "captured");
  fn->captures.push_back({edge, arg.node_id()});
  return arg;
}

FunctionBuilder::FunctionBuilder(const Graph& outer, const std::string& name_hint)
    : outer_(outer), name_(unique_function_name(name_hint)) {
  fn_.data()->capture_outer = outer.data();
  guard_.emplace(fn_);
}

FunctionBuilder::~FunctionBuilder() { fn_.data()->capture_outer.reset(); }

Tensor FunctionBuilder::add_arg(DType dtype, const TensorShape& shape, const std::string& name) {
  const Tensor a = new_arg(fn_.data(), dtype, shape, name);
  args_.push_back(a.node_id());
  return a;
}

std::shared_ptr<const FunctionDef> FunctionBuilder::finish(const std::vector<Tensor>& results) {
  auto def = std::make_shared<FunctionDef>();
  def->name = name_;
  def->graph = fn_.data();
  for (const Tensor& r : results) {
    if (!r) throw keraspp::ValueError("A function body returned None where a tensor is expected.");
    const Tensor in_fn = capture_into(fn_.data(), r);
    def->results.push_back({in_fn.node_id(), in_fn.value_index()});
  }
  def->args = args_;
  GraphData& fn = *fn_.data();
  for (const auto& [edge, arg] : fn.captures) {
    def->args.push_back(arg);
    captured_.emplace_back(outer_.data(), edge.node, edge.index);
  }
  fn.capture_outer.reset();
  guard_.reset();
  std::lock_guard<std::recursive_mutex> lock(outer_.data()->build_mu);
  outer_.data()->functions[def->name] = def;
  return def;
}

const FunctionDef& find_function(const GraphData& g, const std::string& name, const std::string& op) {
  std::lock_guard<std::recursive_mutex> lock(g.build_mu);  // another thread may add functions
  auto it = g.functions.find(name);
  if (it == g.functions.end())
    throw errors::InternalError("Op '" + op + "' names function '" + name +
                                "', which is not in its graph's library");
  return *it->second;
}

std::shared_ptr<const FunctionDef> add_function(GraphData& library, const std::shared_ptr<GraphData>& graph,
                                                std::vector<int> args, std::vector<Edge> results,
                                                const std::string& name_hint,
                                                std::vector<Edge> fed_values) {
  auto def = std::make_shared<FunctionDef>();
  def->name = unique_function_name(name_hint);
  def->graph = graph;
  def->args = std::move(args);
  def->results = std::move(results);
  def->fed_values = std::move(fed_values);
  std::lock_guard<std::recursive_mutex> lock(library.build_mu);
  library.functions[def->name] = def;
  return def;
}

namespace {

// Whether running node `n` of graph `g` changes or draws state: a stateful
// op, or a control-flow op one of whose functions runs one.
bool holds_state(const GraphData& g, const Node& n) {
  if (n.def->stateful) return true;
  for (const std::string& attr : n.def->function_attrs) {
    const FunctionDef& f = find_function(g, std::get<std::string>(n.attrs.at(attr)), n.name);
    if (!saved_values(f).empty()) return true;
  }
  return false;
}

}  // namespace

std::vector<Edge> saved_values(const FunctionDef& f) {
  const GraphData& g = *f.graph;
  std::vector<char> seen(g.nodes.size(), 0);
  for (int a : f.args) seen[static_cast<size_t>(a)] = 1;
  // A node whose every output is fed does not run; one fed output alone
  // does not stop the walk (another may still be read).
  for (const Edge& e : f.fed_values) {
    const Node& n = g.nodes[static_cast<size_t>(e.node)];
    int fed = 0;
    for (const Edge& o : f.fed_values) fed += o.node == e.node;
    if (fed == static_cast<int>(n.out_dtypes.size())) seen[static_cast<size_t>(e.node)] = 1;
  }
  std::vector<int> stack;
  for (const Edge& r : f.results) stack.push_back(r.node);
  std::vector<int> stateful;
  while (!stack.empty()) {
    const int id = stack.back();
    stack.pop_back();
    if (seen[static_cast<size_t>(id)]) continue;
    seen[static_cast<size_t>(id)] = 1;
    const Node& n = g.nodes[static_cast<size_t>(id)];
    if (holds_state(g, n)) stateful.push_back(id);
    for (const Edge& e : n.inputs) stack.push_back(e.node);
    for (int c : n.control_inputs) stack.push_back(c);
  }
  std::sort(stateful.begin(), stateful.end());  // node order: deterministic
  std::vector<Edge> out;
  for (int id : stateful) {
    const Node& n = g.nodes[static_cast<size_t>(id)];
    for (size_t i = 0; i < n.out_dtypes.size(); ++i) out.push_back({id, static_cast<int>(i)});
  }
  return out;
}

}  // namespace tf
