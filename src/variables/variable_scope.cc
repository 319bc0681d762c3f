// tf::variable_scope: entering scopes by name, by default name and by
// VariableScope object, with TF 1.x's reuse inheritance and the per-graph
// bookkeeping of the current scope.
#include <algorithm>

#include "variable_scope_impl.h"

namespace tf {

namespace variable_scope_internal {
namespace {

// Private collection keys (TF keeps both in graph collections as well).
const std::string kStoreKey = "__variable_store";
const std::string kScopeKey = "__varscope";

template <class T>
T& graph_singleton(Graph& g, const std::string& key,
                   const std::function<std::shared_ptr<T>()>& make) {
  return *std::static_pointer_cast<T>(g.collection_singleton(key, make));
}

}  // namespace

void VariableStore::close_variable_subscopes(const std::string& name) {
  for (auto& [k, count] : variable_scopes_count)
    if (name.empty() || k.rfind(name + "/", 0) == 0) count = 0;
}

VariableStore& store(Graph& g) {
  return graph_singleton<VariableStore>(g, kStoreKey,
                                        [] { return std::make_shared<VariableStore>(); });
}

VariableScope& current_scope(Graph& g) {
  return graph_singleton<VariableScope>(g, kScopeKey, [] {
    return std::make_shared<VariableScope>(std::make_shared<VariableScopeData>());
  });
}

}  // namespace variable_scope_internal

using variable_scope_internal::current_scope;
using variable_scope_internal::store;
using variable_scope_internal::VariableStore;

const char* Reuse::str() const {
  switch (kind_) {
    case Kind::kFalse:
      return "False";
    case Kind::kTrue:
      return "True";
    case Kind::kAuto:
      return "_ReuseMode.AUTO_REUSE";
    case Kind::kUnset:
      break;
  }
  return "None";
}

const std::string& VariableScope::name() const { return d_->name; }
const std::string& VariableScope::original_name_scope() const { return d_->name_scope; }
Reuse VariableScope::reuse() const { return d_->reuse; }
const Initializer& VariableScope::initializer() const { return d_->initializer; }
const Regularizer& VariableScope::regularizer() const { return d_->regularizer; }
DType VariableScope::dtype() const { return d_->dtype; }
void VariableScope::reuse_variables() { d_->reuse = true; }
void VariableScope::set_initializer(Initializer initializer) {
  d_->initializer = std::move(initializer);
}
void VariableScope::set_regularizer(Regularizer regularizer) {
  d_->regularizer = std::move(regularizer);
}
void VariableScope::set_dtype(DType dtype) { d_->dtype = dtype; }

VariableScope get_variable_scope() {
  Graph g = get_default_graph();
  return current_scope(g);
}

namespace {

// TF's _get_unique_variable_scope: `prefix`, or `prefix_N` with the smallest N
// whose full name has not been entered under the current scope yet.
std::string unique_variable_scope(const VariableStore& st, const VariableScope& current,
                                  const std::string& prefix) {
  const std::string base = current.name().empty() ? prefix : current.name() + "/" + prefix;
  if (st.variable_scope_count(base) == 0) return prefix;
  int idx = 1;
  while (st.variable_scope_count(base + "_" + std::to_string(idx)) > 0) ++idx;
  return prefix + "_" + std::to_string(idx);
}

}  // namespace

variable_scope::variable_scope(const std::string& name_or_scope, const VariableScopeOptions& opts)
    : graph_(get_default_graph()) {
  enter(name_or_scope.empty() ? std::nullopt : std::optional<std::string>(name_or_scope), nullptr,
        opts);
}

variable_scope::variable_scope(std::nullopt_t, const VariableScopeOptions& opts)
    : graph_(get_default_graph()) {
  enter(std::nullopt, nullptr, opts);
}

variable_scope::variable_scope(const VariableScope& scope, const VariableScopeOptions& opts)
    : graph_(get_default_graph()) {
  if (!scope.data()) throw keraspp::ValueError("variable_scope: a null VariableScope was given");
  enter(std::nullopt, &scope, opts);
}

void variable_scope::enter(const std::optional<std::string>& name, const VariableScope* object,
                           const VariableScopeOptions& opts) {
  VariableStore& st = store(graph_);
  const VariableScope old = current_scope(graph_);
  auto d = std::make_shared<VariableScopeData>();

  if (object) {
    // Jumping into an existing scope: its own settings (not the enclosing
    // scope's), a fresh name scope from its last component, and the scope's
    // original name scope kept for ops that want to go back into it.
    const std::string& full = object->name();
    const std::string last = full.substr(full.rfind('/') + 1);
    if (!last.empty()) name_scope_.emplace(last);
    st.open_variable_scope(full);
    counts_snapshot_ = std::make_shared<std::map<std::string, int>>(st.variable_scopes_count);
    d->name = full;
    d->name_scope = object->original_name_scope();
    // reuse=false means "not set" (TF: "We don't allow non-inheriting
    // scopes, False = None here"): a reusing scope object stays reusing.
    d->reuse = opts.reuse.truthy() ? opts.reuse : object->reuse();
    d->initializer = object->initializer();
    d->regularizer = object->regularizer();
    d->dtype = object->dtype();
  } else {
    std::string local;
    if (name) {
      name_scope_.emplace(*name);
      local = *name;
    } else {
      if (opts.default_name.empty())
        throw keraspp::TypeError("If default_name is None then name_or_scope is required");
      if (opts.reuse.truthy())
        throw keraspp::ValueError("reuse=True cannot be used without a name_or_scope");
      name_scope_.emplace(opts.default_name);
      local = unique_variable_scope(st, old, opts.default_name);
    }
    d->name = old.name().empty() ? local : old.name() + "/" + local;
    d->name_scope = name_scope_->name();
    // Reuse is inherited and cannot be switched off (Python's `reuse or old.reuse`).
    d->reuse = opts.reuse.truthy() ? opts.reuse : old.reuse();
    d->initializer = old.initializer();
    d->regularizer = old.regularizer();
    d->dtype = old.dtype();
    st.open_variable_scope(d->name);
  }
  if (opts.initializer) d->initializer = opts.initializer;
  if (opts.regularizer) d->regularizer = opts.regularizer;
  if (opts.dtype) d->dtype = *opts.dtype;

  saved_ = old;
  current_ = VariableScope(std::move(d));
  current_scope(graph_) = current_;
}

variable_scope::~variable_scope() {
  VariableStore& st = store(graph_);
  st.close_variable_subscopes(current_.name());
  if (counts_snapshot_)
    st.variable_scopes_count =
        *std::static_pointer_cast<std::map<std::string, int>>(counts_snapshot_);
  current_scope(graph_) = saved_;
}

}  // namespace tf
