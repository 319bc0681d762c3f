// Functions: sub-graphs with arguments and results, the branches and bodies
// of the functional control-flow ops If and While (docs/architecture.md,
// "Control flow"). A function has a graph of its own; the op using it names
// it by a string attr looked up in its graph's library (GraphData::functions),
// and the runtime compiles it into a nested plan. Internal.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "graph/graph_impl.h"

namespace tf {

struct FunctionDef {
  std::string name;  // process-unique: the key in every library holding it
  std::shared_ptr<GraphData> graph;
  std::vector<int> args;  // the argument nodes (Placeholders) fed by the caller, in order
  std::vector<Edge> results;
  // Values of the body's own nodes the caller feeds after `args`: a
  // gradient function reads the forward's saved draws here instead of
  // running the stateful nodes again (saved_values below).
  std::vector<Edge> fed_values;
};

// Builds a function body in a fresh graph made the thread's default, so
// ops built while it lives go there (op_builder prefers it over an input's
// graph). A tensor of an enclosing graph that an op uses becomes a capture:
// a new argument the caller feeds with that tensor. Constants are copied in
// instead, so shape functions still see their values.
class FunctionBuilder {
 public:
  FunctionBuilder(const Graph& outer, const std::string& name_hint);
  ~FunctionBuilder();
  FunctionBuilder(const FunctionBuilder&) = delete;
  FunctionBuilder& operator=(const FunctionBuilder&) = delete;

  // An explicit argument (a loop variable, a branch's input).
  Tensor add_arg(DType dtype, const TensorShape& shape, const std::string& name = "arg");
  Graph graph() const { return fn_; }
  // Ends the body with `results` (outer tensors among them are captured) and
  // registers the function in the outer graph's library. captured() then
  // lists the outer tensors to pass after the explicit arguments.
  std::shared_ptr<const FunctionDef> finish(const std::vector<Tensor>& results);
  const std::vector<Tensor>& captured() const { return captured_; }

 private:
  Graph outer_, fn_;
  std::string name_;
  std::optional<Graph::DefaultGuard> guard_;
  std::vector<int> args_;
  std::vector<Tensor> captured_;
};

// `t` as a tensor of function graph `fn` (itself when it is fn's), capturing
// it through the enclosing graphs being built; ValueError when `t` is from
// no enclosing graph.
Tensor capture_into(const std::shared_ptr<GraphData>& fn, const Tensor& t);

// The function named `name` in g's library; InternalError naming `op` when
// missing.
const FunctionDef& find_function(const GraphData& g, const std::string& name, const std::string& op);

// A function whose graph is fn's graph, with extra arguments and other
// results (a gradient function built in the body's own graph, fed the
// forward's saved values), registered in `library`'s library.
std::shared_ptr<const FunctionDef> add_function(GraphData& library, const std::shared_ptr<GraphData>& graph,
                                                std::vector<int> args, std::vector<Edge> results,
                                                const std::string& name_hint,
                                                std::vector<Edge> fed_values = {});

// The values a run of `f` would not reproduce if run again: every output
// of each stateful node it runs (a random draw, an assignment) and of each
// control-flow op whose functions run one, reached from f's results and
// control inputs without crossing its arguments or fed values. A forward
// If/While outputs them and its gradient function is fed them, so the
// backward pass sees the forward's draws. (A stateful node without
// outputs has nothing to save; only its control dependents order it.)
std::vector<Edge> saved_values(const FunctionDef& f);

}  // namespace tf
