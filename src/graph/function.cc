// Function bodies: building them in their own graph, capturing the outer
// tensors they use, and the per-graph function library.
#include "graph/function.h"

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
                                                const std::string& name_hint) {
  auto def = std::make_shared<FunctionDef>();
  def->name = unique_function_name(name_hint);
  def->graph = graph;
  def->args = std::move(args);
  def->results = std::move(results);
  std::lock_guard<std::recursive_mutex> lock(library.build_mu);
  library.functions[def->name] = def;
  return def;
}

}  // namespace tf
