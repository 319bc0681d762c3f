// Graph construction: op creation with shape inference, TF's unique naming,
// collections and the default-graph stack (name scopes and control
// dependencies: scopes.cc).
#include <atomic>
#include <sstream>
#include <mutex>
#include <ostream>
#include <set>

#include "graph/build_context.h"
#include "graph/function.h"
#include "keraspp/graph/graph.h"
#include "keraspp/graph/op_registry.h"

namespace tf {

namespace {

std::atomic<uint64_t> g_next_graph_id{1};

std::shared_ptr<GraphData> new_graph_data() {
  auto d = std::make_shared<GraphData>();
  d->id = g_next_graph_id++;
  return d;
}

// The process-wide base default graph (as TF's global default graph) and the
// thread's stack of graphs made default with Graph::as_default().
std::mutex g_base_mutex;
std::shared_ptr<GraphData>& base_graph() {
  static std::shared_ptr<GraphData> g = new_graph_data();
  return g;
}
thread_local std::vector<std::shared_ptr<GraphData>> t_graph_stack;

// The node behind a handle; a default-constructed (None) handle or an id
// outside the graph is the caller's error, never a crash.
const Node& node_of(const std::shared_ptr<GraphData>& g, int id) {
  if (!g) throw keraspp::ValueError("The handle is empty (None): it names no tensor or operation.");
  if (id < 0 || static_cast<size_t>(id) >= g->nodes.size())
    throw keraspp::ValueError("Node id " + std::to_string(id) + " is not in the graph (it has " +
                              std::to_string(g->nodes.size()) + " ops).");
  return g->nodes[static_cast<size_t>(id)];
}

// node_of for a tensor handle: also its output index.
const Node& output_of(const std::shared_ptr<GraphData>& g, int id, int index) {
  const Node& n = node_of(g, id);
  if (index < 0 || static_cast<size_t>(index) >= n.out_dtypes.size())
    throw keraspp::ValueError("Operation '" + n.name + "' has no output " + std::to_string(index));
  return n;
}

}  // namespace

Graph get_default_graph() {
  if (!t_graph_stack.empty()) return Graph(t_graph_stack.back());
  std::lock_guard<std::mutex> lock(g_base_mutex);
  return Graph(base_graph());
}

void reset_default_graph() {
  if (!t_graph_stack.empty())
    throw keraspp::ValueError(
        "Do not use tf.reset_default_graph() to clear nested graphs. If you need a cleared "
        "graph, exit the nesting and create a new graph.");
  std::lock_guard<std::mutex> lock(g_base_mutex);
  base_graph() = new_graph_data();
}

Graph::Graph() : d_(new_graph_data()) {}

Graph::DefaultGuard::DefaultGuard(const Graph& g) { t_graph_stack.push_back(g.data()); }
Graph::DefaultGuard::~DefaultGuard() { t_graph_stack.pop_back(); }

std::string Graph::unique_name(const std::string& name, bool mark_as_used) {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  const BuildContext* ctx = find_build_context(*d_);
  std::string full = !ctx || ctx->name_stack.empty() ? name : ctx->name_stack + "/" + name;
  int i = d_->names_in_use.count(full) ? d_->names_in_use[full] : 0;
  if (mark_as_used) d_->names_in_use[full] = i + 1;
  if (i > 0) {
    const std::string base = full;
    while (d_->names_in_use.count(full)) full = base + "_" + std::to_string(i++);
    if (mark_as_used) d_->names_in_use[full] = 1;
  }
  return full;
}

Operation Graph::create_op(const NodeSpec& spec) {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  const OpDef& def = OpRegistry::global().lookup(spec.type);
  for (const Tensor& t : spec.inputs) {
    if (!t) throw keraspp::ValueError("Op '" + spec.type + "' was given an empty (None) input");
    if (t.graph_data() != d_ && !d_->capture_outer) {
      std::ostringstream os;
      os << t << " must be from the same graph as the op being created ('" << spec.type << "').";
      throw keraspp::ValueError(os.str());
    }
  }
  // A function body being built captures the enclosing graphs' tensors it uses.
  if (d_->capture_outer) {
    NodeSpec captured = spec;
    bool any = false;
    for (Tensor& t : captured.inputs)
      if (t.graph_data() != d_) t = capture_into(d_, t), any = true;
    if (any) return create_op(captured);
  }
  // TF names an op "name" or, with a trailing "/", exactly the given scope name.
  std::string name;
  const std::string requested = spec.name.empty() ? spec.type : spec.name;
  if (requested.back() == '/') {
    name = requested.substr(0, requested.size() - 1);
  } else {
    name = unique_name(requested);
  }
  if (!is_valid_op_name(name))
    throw keraspp::ValueError("'" + name + "' is not a valid node name");

  InferenceContext ctx;
  ctx.op_name = name;
  ctx.op_type = spec.type;
  ctx.attrs = &spec.attrs;
  for (const Tensor& t : spec.inputs) {
    const Node& n = node_of(d_, t.node_id());
    ctx.input_dtypes.push_back(n.out_dtypes[static_cast<size_t>(t.value_index())]);
    ctx.input_shapes.push_back(n.out_shapes[static_cast<size_t>(t.value_index())]);
    const np::Array* constant = nullptr;
    if (n.type == "Const") constant = &std::get<np::Array>(n.attrs.at("value"));
    ctx.input_constants.push_back(constant);
  }
  try {
    if (def.shape_fn) def.shape_fn(ctx);
  } catch (const ShapeError& e) {
    // TF 1.x raises the shape function's InvalidArgumentError as a ValueError
    // while the graph is built (common_shapes.call_cpp_shape_fn); the same
    // check failing in a kernel at run time stays InvalidArgumentError.
    std::string shapes;
    for (size_t i = 0; i < ctx.input_shapes.size(); ++i)
      shapes += (i ? ", " : "") + ctx.input_shapes[i].debug_str();
    throw keraspp::ValueError(std::string(e.what()) + " for '" + name + "' (op: '" + spec.type +
                              "') with input shapes: " + shapes + ".");
  }

  Node node;
  node.id = static_cast<int>(d_->nodes.size());
  node.name = name;
  node.type = spec.type;
  node.def = &def;
  for (const Tensor& t : spec.inputs) node.inputs.push_back({t.node_id(), t.value_index()});
  std::set<int> ctrl;
  if (const BuildContext* ctx = find_build_context(*d_))
    for (const auto& level : ctx->control_stack) ctrl.insert(level.begin(), level.end());
  node.control_inputs.assign(ctrl.begin(), ctrl.end());
  node.attrs = spec.attrs;
  node.out_dtypes = std::move(ctx.out_dtypes);
  node.out_shapes = std::move(ctx.out_shapes);
  d_->by_name[name] = node.id;
  d_->nodes.push_back(std::move(node));
  return Operation(d_, static_cast<int>(d_->nodes.size()) - 1);
}

Operation Graph::get_operation_by_name(const std::string& name) const {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  auto it = d_->by_name.find(name);
  if (it == d_->by_name.end())
    throw keraspp::ValueError("The name '" + name +
                              "' refers to an Operation not in the graph.");
  return Operation(d_, it->second);
}

Tensor Graph::get_tensor_by_name(const std::string& name) const {
  const auto colon = name.rfind(':');
  if (colon == std::string::npos)
    throw keraspp::ValueError("The name '" + name +
                              "' looks a like an Operation name, but it is not a Tensor name.");
  Operation op = get_operation_by_name(name.substr(0, colon));
  const int index = std::stoi(name.substr(colon + 1));
  if (index < 0 || index >= op.num_outputs())
    throw keraspp::ValueError("The name '" + name + "' refers to a Tensor which does not exist.");
  return op.output(index);
}

std::vector<Operation> Graph::get_operations() const {
  std::vector<Operation> ops;
  for (size_t i = 0; i < d_->nodes.size(); ++i) ops.emplace_back(d_, static_cast<int>(i));
  return ops;
}

int Graph::num_ops() const { return static_cast<int>(d_->nodes.size()); }
uint64_t Graph::id() const { return d_->id; }

void Graph::add_to_collection(const std::string& name, const Tensor& t) {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  if (t.graph_data() != d_)
    throw keraspp::ValueError("Tensor '" + t.name() + "' is not an element of this graph.");
  d_->collections[name].push_back({t.node_id(), t.value_index(), nullptr});
}

void Graph::add_to_collection(const std::string& name, const Operation& op) {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  if (op.graph_data() != d_)
    throw keraspp::ValueError("Operation '" + op.name() + "' is not an element of this graph.");
  d_->collections[name].push_back({op.node_id(), -1, nullptr});
}

void Graph::add_to_collection(const std::string& name, std::shared_ptr<void> object) {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  d_->collections[name].push_back({-1, -1, std::move(object)});
}

const std::vector<CollectionItem>& Graph::get_collection_ref(const std::string& name) const {
  static const std::vector<CollectionItem> kEmpty;
  auto it = d_->collections.find(name);
  return it == d_->collections.end() ? kEmpty : it->second;
}

std::vector<Tensor> Graph::get_collection_tensors(const std::string& name) const {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);  // another thread may add
  std::vector<Tensor> out;
  for (const CollectionItem& item : get_collection_ref(name))
    if (item.is_tensor()) out.emplace_back(d_, item.node, item.index);
  return out;
}

std::vector<Operation> Graph::get_collection_operations(const std::string& name) const {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);  // another thread may add
  std::vector<Operation> out;
  for (const CollectionItem& item : get_collection_ref(name))
    if (item.is_operation()) out.emplace_back(d_, item.node);
  return out;
}

std::vector<std::shared_ptr<void>> Graph::get_collection_objects(const std::string& name) const {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);  // another thread may add
  std::vector<std::shared_ptr<void>> out;
  for (const CollectionItem& item : get_collection_ref(name))
    if (item.object) out.push_back(item.object);
  return out;
}

std::shared_ptr<void> Graph::collection_singleton(const std::string& name,
                                                  const std::function<std::shared_ptr<void>()>& make) {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  auto& items = d_->collections[name];
  for (const CollectionItem& item : items)
    if (item.object) return item.object;
  items.push_back({-1, -1, make()});
  return items.back().object;
}

void Graph::clear_collection(const std::string& name) {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  d_->collections.erase(name);
}

int64_t& Graph::counter(const std::string& key) {
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  return d_->counters[key];
}
// A function body being built draws its seeds from the graph it is built
// in (TF 1.x builds a cond's ops in the same graph), so a graph-level seed
// makes random ops inside cond and while_loop bodies deterministic too.
int64_t Graph::seed() const { return d_->capture_outer ? Graph(d_->capture_outer).seed() : d_->seed; }
void Graph::set_seed(int64_t s) {
  d_->seed = s;
  d_->last_op_seed = 0;
}
int64_t Graph::next_op_seed() {
  if (d_->capture_outer) return Graph(d_->capture_outer).next_op_seed();
  std::lock_guard<std::recursive_mutex> lock(d_->build_mu);
  return ++d_->last_op_seed;
}

// ---- Tensor / Operation --------------------------------------------------

Operation Tensor::op() const {
  node_of(graph_, node_);
  return Operation(graph_, node_);
}
DType Tensor::dtype() const { return output_of(graph_, node_, index_).out_dtypes[index_]; }
const TensorShape& Tensor::shape() const {
  return output_of(graph_, node_, index_).out_shapes[index_];
}
void Tensor::set_shape(const TensorShape& s) const {
  TensorShape& cur = const_cast<Node&>(output_of(graph_, node_, index_)).out_shapes[index_];
  if (!cur.is_compatible_with(s))
    throw keraspp::ValueError("Shapes " + cur.str() + " and " + s.str() + " are not compatible");
  cur = s.merge_with(cur);
}
std::string Tensor::name() const {
  return output_of(graph_, node_, index_).name + ":" + std::to_string(index_);
}
Graph Tensor::graph() const {
  node_of(graph_, node_);
  return Graph(graph_);
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  if (!t) return os << "None";
  return os << "Tensor(\"" << t.name() << "\", shape=" << t.shape().str()
            << ", dtype=" << np::dtype_name(t.dtype()) << ")";
}

const std::string& Operation::name() const { return node_of(graph_, node_).name; }
const std::string& Operation::type() const { return node_of(graph_, node_).type; }
const OpDef& Operation::op_def() const { return *node_of(graph_, node_).def; }
int Operation::num_inputs() const {
  return static_cast<int>(node_of(graph_, node_).inputs.size());
}
int Operation::num_outputs() const {
  return static_cast<int>(node_of(graph_, node_).out_dtypes.size());
}
Tensor Operation::input(int i) const {
  const Edge& e = node_of(graph_, node_).inputs.at(static_cast<size_t>(i));
  return Tensor(graph_, e.node, e.index);
}
Tensor Operation::output(int i) const {
  if (i < 0 || i >= num_outputs())
    throw keraspp::ValueError("Operation '" + name() + "' has no output " + std::to_string(i));
  return Tensor(graph_, node_, i);
}
std::vector<Tensor> Operation::inputs() const {
  std::vector<Tensor> v;
  for (int i = 0; i < num_inputs(); ++i) v.push_back(input(i));
  return v;
}
std::vector<Tensor> Operation::outputs() const {
  std::vector<Tensor> v;
  for (int i = 0; i < num_outputs(); ++i) v.push_back(output(i));
  return v;
}
std::vector<Operation> Operation::control_inputs() const {
  std::vector<Operation> v;
  for (int c : node_of(graph_, node_).control_inputs) v.emplace_back(graph_, c);
  return v;
}
const AttrMap& Operation::attrs() const { return node_of(graph_, node_).attrs; }
bool Operation::has_attr(const std::string& name) const { return attrs().count(name) > 0; }
Graph Operation::graph() const {
  node_of(graph_, node_);
  return Graph(graph_);
}

}  // namespace tf
