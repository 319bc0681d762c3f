// Name scopes, control dependencies and init_scope. Their state is kept per
// thread and graph (build_context.h); a thread's entry for a graph is
// dropped when it leaves its last scope there, so the table holds only
// graphs the thread is inside a scope of.
#include <algorithm>
#include <cctype>
#include <map>

#include "graph/build_context.h"

namespace tf {

namespace {

// Graph id -> the calling thread's context in that graph (ids are never
// reused, so an entry cannot outlive its graph into another's).
thread_local std::map<uint64_t, BuildContext> t_build_contexts;

BuildContext& build_context(const Graph& g) { return t_build_contexts[g.id()]; }

// Drops the thread's entry for `g` once it holds nothing.
void drop_if_idle(const Graph& g) {
  auto it = t_build_contexts.find(g.id());
  if (it != t_build_contexts.end() && it->second.name_stack.empty() &&
      it->second.control_stack.empty())
    t_build_contexts.erase(it);
}

bool is_scope_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '\\' ||
         c == '-' || c == '/';
}

}  // namespace

const BuildContext* find_build_context(const GraphData& g) {
  auto it = t_build_contexts.find(g.id);
  return it == t_build_contexts.end() ? nullptr : &it->second;
}

// "[A-Za-z0-9_.\\-/]*": a nested scope may also start with '_', '-', '\\' or '/'.
bool is_valid_scope_name(const std::string& name) {
  return std::all_of(name.begin(), name.end(), is_scope_name_char);
}
// "[A-Za-z0-9.][A-Za-z0-9_.\\-/]*"
bool is_valid_op_name(const std::string& name) {
  if (name.empty()) return false;
  const unsigned char first = static_cast<unsigned char>(name[0]);
  return (std::isalnum(first) || first == '.') && is_valid_scope_name(name);
}

std::string Graph::current_name_scope() const {
  const BuildContext* ctx = find_build_context(*d_);
  return ctx ? ctx->name_stack : std::string();
}

name_scope::name_scope(const std::string& name) : graph_(get_default_graph()) {
  saved_ = graph_.current_name_scope();
  // A root-level scope becomes the first component of op names, so it obeys
  // the op-name rule; nested ones the looser scope rule (TF's name_scope).
  if (!name.empty() && !(saved_.empty() ? is_valid_op_name(name) : is_valid_scope_name(name)))
    throw keraspp::ValueError("'" + name + "' is not a valid scope name");
  std::string stack;
  if (name.empty()) {
    stack = "";
  } else if (name.back() == '/') {
    stack = name.substr(0, name.size() - 1);
  } else {
    stack = graph_.unique_name(name);
  }
  build_context(graph_).name_stack = stack;
  drop_if_idle(graph_);
  full_ = stack.empty() ? "" : stack + "/";
}

name_scope::~name_scope() {
  build_context(graph_).name_stack = saved_;
  drop_if_idle(graph_);
}

control_dependencies::control_dependencies(const std::vector<Operation>& ops)
    : graph_(get_default_graph()) {
  std::vector<int> ids;
  for (const Operation& op : ops) {
    if (op.graph_data() != graph_.data())
      throw keraspp::ValueError("Control dependency '" + op.name() +
                                "' must be from the same graph as the ops it controls.");
    ids.push_back(op.node_id());
  }
  BuildContext& ctx = build_context(graph_);
  depth_ = ctx.control_stack.size();
  ctx.control_stack.push_back(std::move(ids));
}

control_dependencies::control_dependencies(std::nullptr_t)
    : graph_(get_default_graph()), cleared_(true) {
  saved_.swap(build_context(graph_).control_stack);
  drop_if_idle(graph_);
}

control_dependencies::~control_dependencies() {
  BuildContext& ctx = build_context(graph_);
  if (cleared_)
    ctx.control_stack.swap(saved_);
  else
    ctx.control_stack.resize(depth_);
  drop_if_idle(graph_);
}

init_scope::init_scope(const Graph& g, bool at_root) : default_(g), no_dependencies_(nullptr) {
  if (at_root) root_.emplace("");
}

}  // namespace tf
