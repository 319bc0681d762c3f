// Graph-building state that is each thread's own (private to src/graph):
// the name scope and the control-dependency stack a thread has entered in a
// graph, as TF keeps them in Graph._thread_local. Threads building in one
// shared graph (the process-wide default one) therefore never put their
// scopes or control inputs on each other's ops.
#pragma once
#include <string>
#include <vector>

#include "graph/graph_impl.h"

namespace tf {

struct BuildContext {
  std::string name_stack;                        // "" or "a/b"
  std::vector<std::vector<int>> control_stack;  // node ids per control_dependencies level
};

// The calling thread's context in `g`, or an empty one (nullptr) when it has
// entered no scope there.
const BuildContext* find_build_context(const GraphData& g);

// TF's _VALID_OP_NAME_REGEX (op names and root-level scopes) and
// _VALID_SCOPE_NAME_REGEX (nested scopes).
bool is_valid_op_name(const std::string& name);
bool is_valid_scope_name(const std::string& name);

}  // namespace tf
