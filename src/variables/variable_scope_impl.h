// Internals shared by variable_scope.cc (scopes) and variable_scope_store.cc
// (get_variable): a scope's data and the per-graph variable store.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "keraspp/variables/variable_scope.h"

namespace tf {

struct VariableScopeData {
  std::string name;        // "mlp1/dense1"
  std::string name_scope;  // "mlp1/dense1/" (original name scope)
  Reuse reuse;
  Initializer initializer;
  Regularizer regularizer;
  DType dtype = float32;
};

namespace variable_scope_internal {

// TF's _VariableStore, one per graph (kept in a private graph collection):
// the variables get_variable made, by full name, and how often each variable
// scope name has been entered (for uniquifying default names).
struct VariableStore {
  // By full name; the graph keeps the store, so it holds ids (VariableData).
  std::map<std::string, std::shared_ptr<VariableData>> vars;
  std::map<std::string, int> variable_scopes_count;

  void open_variable_scope(const std::string& name) { ++variable_scopes_count[name]; }
  // Forgets the sub-scopes of `name` (all scopes for the root), so re-entering
  // `name` hands out the same default names again.
  void close_variable_subscopes(const std::string& name);
  int variable_scope_count(const std::string& name) const {
    auto it = variable_scopes_count.find(name);
    return it == variable_scopes_count.end() ? 0 : it->second;
  }
};

// The graph's store and its current scope slot (created on first use).
VariableStore& store(Graph& g);
VariableScope& current_scope(Graph& g);

}  // namespace variable_scope_internal
}  // namespace tf
