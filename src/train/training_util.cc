// tf.train's global step helpers (TF 1.x training_util).
#include "keraspp/train/training_util.h"

#include "keraspp/ops/array_ops.h"

namespace tf::train {

std::optional<Variable> get_global_step(std::optional<Graph> graph) {
  const Graph g = graph ? *graph : get_default_graph();
  auto guard = g.as_default();
  const std::vector<Variable> in_collection = get_collection_variables(GraphKeys::GLOBAL_STEP);
  std::optional<Variable> step;
  if (in_collection.size() > 1)
    throw keraspp::TypeError("Multiple tensors in global_step collection.");
  if (in_collection.size() == 1) {
    step = in_collection[0];
  } else {
    for (const Variable& v : global_variables())
      if (v.name() == "global_step:0") step = v;
  }
  if (!step) return step;
  if (!np::is_integer(step->dtype()))
    throw keraspp::TypeError("Existing \"global_step\" does not have integer type: <dtype: '" +
                             np::dtype_name(step->dtype()) + "_ref'>");
  if (step->shape().rank() != 0)
    throw keraspp::TypeError("Existing \"global_step\" is not scalar: " + step->shape().str());
  return step;
}

Variable create_global_step(std::optional<Graph> graph) {
  const Graph g = graph ? *graph : get_default_graph();
  if (get_global_step(g)) throw keraspp::ValueError("\"global_step\" already exists.");
  auto guard = g.as_default();
  name_scope root("");
  return Variable([] { return zeros({}, int64, "zeros"); },
                  VariableOptions{.trainable = false,
                                  .name = "global_step",
                                  .dtype = int64,
                                  .collections = {GraphKeys::GLOBAL_VARIABLES,
                                                  GraphKeys::GLOBAL_STEP}});
}

Variable get_or_create_global_step(std::optional<Graph> graph) {
  const Graph g = graph ? *graph : get_default_graph();
  if (auto step = get_global_step(g)) return *step;
  return create_global_step(g);
}

}  // namespace tf::train
