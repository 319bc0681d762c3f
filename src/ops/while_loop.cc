// tf.while_loop on the functional op While: cond and body are functions
// (graph/function.h) that the runtime compiles into nested plans, and the
// kernel runs them for the run-time trip count. For gradients the loop also
// outputs each loop variable's history (its value at the start of every
// iteration, stacked); WhileGrad runs the body's gradient function, built in
// the body's own graph, over that history in reverse. Values the body
// draws (random ops) are extra body results whose per-iteration values the
// loop stacks too; the gradient function is fed each iteration's row
// instead of drawing again.
#include "control_flow_util.h"
#include "graph/function.h"
#include "keraspp/autodiff/gradients.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/control_flow_ops.h"

namespace tf {

namespace {

using control_flow::encode_signature;
using control_flow::indices;

std::vector<Tensor> while_grad(const Operation& op, const std::vector<Tensor>& grads);

// Inputs: the loop variables' initial values (num_loop_vars), the tensors
// cond captured (num_cond_captures), then those body captured. Outputs: the
// final loop variables, then (back_prop) their histories [trip count, ...],
// then the histories of the body's saved values (num_saved: results after
// the loop variables' next values; saved_signature their dtypes, shapes).
KPP_REGISTER_OP(OpDef{
    .name = "While",
    .inputs = {"input: N * T"},
    .outputs = {"output: num_outputs * T"},
    .attrs = {"T: type", "cond: string", "body: string", "num_loop_vars: int", "num_cond_captures: int",
              "loop_signature: list(int)", "back_prop: bool = true", "maximum_iterations: int = -1",
              "parallel_iterations: int = 10", "num_outputs: int", "num_saved: int = 0",
              "saved_signature: list(int) = []"},
    .shape_fn = [](InferenceContext& c) {
      const auto& sig = c.attr<std::vector<int64_t>>("loop_signature");
      control_flow::set_outputs(c, sig, 0);
      if (!c.attr<bool>("back_prop")) return;
      const int k = control_flow::set_outputs(c, sig, static_cast<int>(c.attr<int64_t>("num_loop_vars")), true);
      control_flow::set_outputs(c, c.attr<std::vector<int64_t>>("saved_signature"), k, true);
    },
    .grad_fn = while_grad,
    .function_attrs = {"cond", "body"},
});

// Inputs: the loop variables' histories (num_loop_vars), the body's captures,
// the gradients of the floating loop variables' final values, then the
// histories of the body's saved values (num_saved). Outputs:
// the gradients of those variables' initial values, then of the floating
// captures (float_captures: their positions among the captures).
KPP_REGISTER_OP(OpDef{
    .name = "WhileGrad",
    .inputs = {"input: N * T"},
    .outputs = {"output: num_outputs * T"},
    .attrs = {"T: type", "body_grad: string", "num_loop_vars: int", "float_vars: list(int)",
              "float_captures: list(int)", "num_outputs: int", "num_saved: int = 0"},
    .shape_fn = [](InferenceContext& c) {
      const auto n_vars = static_cast<size_t>(c.attr<int64_t>("num_loop_vars"));
      const auto& fv = c.attr<std::vector<int64_t>>("float_vars");
      const auto& fc = c.attr<std::vector<int64_t>>("float_captures");
      const auto n_saved = static_cast<size_t>(c.attr<int64_t>("num_saved"));
      const size_t first_grad = c.input_dtypes.size() - n_saved - fv.size();
      int k = 0;
      for (size_t i = 0; i < fv.size(); ++i, ++k) c.set_output(k, c.input_dtypes[first_grad + i], c.input_shapes[first_grad + i]);
      for (int64_t j : fc) {
        const size_t in = n_vars + static_cast<size_t>(j);
        c.set_output(k++, c.input_dtypes[in], c.input_shapes[in]);
      }
    },
    // Second derivatives through a loop are not built.
    .differentiable = false,
    .function_attrs = {"body_grad"},
});

// TF's shape invariant check: `after` is no more specific than `invariant`
// allows (an unknown dimension or rank accepts any).
bool shape_fits_invariant(const TensorShape& after, const TensorShape& invariant) {
  if (!invariant.has_rank()) return true;
  if (!after.has_rank() || after.rank() != invariant.rank()) return false;
  for (int d = 0; d < after.rank(); ++d)
    if (invariant.dim(d) >= 0 && after.dim(d) != invariant.dim(d)) return false;
  return true;
}

std::string structure_str(const std::vector<Tensor>& ts) {
  std::string s = "[";
  for (size_t i = 0; i < ts.size(); ++i) s += (i ? ", " : "") + std::string("Tensor");
  return s + "]";
}

// Checks the body's results against the loop variables: count, dtype, and
// shape invariant (TF 1.x's errors).
void check_body_results(const std::vector<Tensor>& vars, const std::vector<Tensor>& results,
                        const std::vector<TensorShape>& invariants) {
  if (results.size() != vars.size())
    throw keraspp::ValueError("The two structures don't have the same nested structure.\n\nFirst structure: " +
                              structure_str(vars) + "\n\nSecond structure: " + structure_str(results) +
                              "\n\nMore specifically: The two structures don't have the same number of "
                              "elements. First structure has " + std::to_string(vars.size()) +
                              " elements, second structure has " + std::to_string(results.size()) + ".");
  for (size_t i = 0; i < vars.size(); ++i) {
    if (results[i].dtype() != vars[i].dtype())
      throw keraspp::TypeError("Loop var " + vars[i].name() + " enters the loop with type " +
                               np::dtype_name(vars[i].dtype()) + ", but has type " +
                               np::dtype_name(results[i].dtype()) + " after 1 iteration.");
    if (!shape_fits_invariant(results[i].shape(), invariants[i]))
      throw keraspp::ValueError(
          "The shape for " + vars[i].name() + " is not an invariant for the loop. It enters the loop with shape " +
          invariants[i].str() + ", but has shape " + results[i].shape().str() +
          " after one iteration. Provide shape invariants using either the `shape_invariants` argument of "
          "tf.while_loop or set_shape() on the loop variables.");
  }
}

// The body's gradient function, in the body's own graph. Arguments: the
// body's (loop variables, captures), then the gradients of its floating
// results, then (fed values) the body's saved values. Results: the
// gradients of the floating loop variables, then of the floating captures
// (zeros where none flows).
std::shared_ptr<const FunctionDef> body_grad(GraphData& library, const FunctionDef& body, size_t n_vars,
                                             const std::vector<int>& float_vars, const std::vector<int>& float_caps) {
  std::vector<Edge> saved(body.results.begin() + static_cast<long>(n_vars), body.results.end());
  const Graph g(body.graph);
  Graph::DefaultGuard guard(g);
  std::vector<Tensor> ys, g_args, xs;
  std::vector<int> args = body.args;
  for (int v : float_vars) {
    const Edge e = body.results[static_cast<size_t>(v)];
    ys.emplace_back(body.graph, e.node, e.index);
    const Tensor arg(body.graph, body.args[static_cast<size_t>(v)], 0);
    g_args.push_back(placeholder(arg.dtype(), arg.shape(), "grad_y"));
    args.push_back(g_args.back().node_id());
    xs.push_back(arg);
  }
  for (int c : float_caps) xs.emplace_back(body.graph, body.args[n_vars + static_cast<size_t>(c)], 0);
  std::vector<Tensor> dx = gradients(ys, xs, g_args, "while_grad");
  std::vector<Edge> results;
  for (size_t i = 0; i < dx.size(); ++i) {
    const Tensor t = dx[i] ? dx[i] : zeros_like(xs[i]);
    results.push_back({t.node_id(), t.value_index()});
  }
  return add_function(library, body.graph, std::move(args), std::move(results), "while_body_grad", std::move(saved));
}

std::vector<Tensor> while_grad(const Operation& op, const std::vector<Tensor>& grads) {
  if (!op.get_attr<bool>("back_prop")) return {};
  GraphData& graph = *op.graph_data();
  const FunctionDef& body = find_function(graph, op.get_attr<std::string>("body"), op.name());
  const auto n_vars = static_cast<size_t>(op.get_attr<int64_t>("num_loop_vars"));
  const auto n_cond = static_cast<size_t>(op.get_attr<int64_t>("num_cond_captures"));
  const std::vector<Tensor> in = op.inputs();
  const size_t first_cap = n_vars + n_cond, n_caps = in.size() - first_cap;
  std::vector<int> float_vars, float_caps;
  for (size_t i = 0; i < n_vars; ++i)
    if (np::is_floating(in[i].dtype())) float_vars.push_back(static_cast<int>(i));
  for (size_t j = 0; j < n_caps; ++j)
    if (np::is_floating(in[first_cap + j].dtype())) float_caps.push_back(static_cast<int>(j));
  if (float_vars.empty()) return {};
  const auto fn = body_grad(graph, body, n_vars, float_vars, float_caps);
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < n_vars; ++i) inputs.push_back(op.output(static_cast<int>(n_vars + i)));
  inputs.insert(inputs.end(), in.begin() + static_cast<long>(first_cap), in.end());
  for (int v : float_vars) {
    const Tensor& gv = grads[static_cast<size_t>(v)];
    inputs.push_back(gv ? gv : zeros_like(op.output(v)));
  }
  const auto n_saved = op.get_attr<int64_t>("num_saved");
  for (int64_t j = 0; j < n_saved; ++j) inputs.push_back(op.output(static_cast<int>(2 * n_vars + static_cast<size_t>(j))));
  const Operation g = op_builder::create(
      "WhileGrad", inputs,
      {{"body_grad", fn->name}, {"num_loop_vars", static_cast<int64_t>(n_vars)},
       {"float_vars", std::vector<int64_t>(float_vars.begin(), float_vars.end())},
       {"float_captures", std::vector<int64_t>(float_caps.begin(), float_caps.end())},
       {"num_outputs", static_cast<int64_t>(float_vars.size() + float_caps.size())}, {"num_saved", n_saved}},
      "WhileGrad");
  std::vector<Tensor> out(in.size());
  int k = 0;
  for (int v : float_vars) out[static_cast<size_t>(v)] = g.output(k++);
  for (int c : float_caps) out[first_cap + static_cast<size_t>(c)] = g.output(k++);
  return out;
}

}  // namespace

std::vector<Tensor> while_loop(const LoopCond& cond, const LoopBody& body, const std::vector<Tensor>& loop_vars,
                               const WhileLoopOptions& options) {
  if (loop_vars.empty()) throw keraspp::ValueError("No loop variables provided");
  const Graph outer = op_builder::graph_for(loop_vars);
  Graph::DefaultGuard in_outer(outer);
  std::vector<TensorShape> invariants = options.shape_invariants;
  if (invariants.empty())
    for (const Tensor& v : loop_vars) invariants.push_back(v.shape());
  if (invariants.size() != loop_vars.size())
    throw keraspp::ValueError("The two structures don't have the same nested structure: " +
                              std::to_string(loop_vars.size()) + " loop variables but " +
                              std::to_string(invariants.size()) + " shape invariants.");
  for (size_t i = 0; i < loop_vars.size(); ++i)
    if (!shape_fits_invariant(loop_vars[i].shape(), invariants[i]))
      throw keraspp::ValueError("The shape invariant specified for " + loop_vars[i].name() +
                                " is not compatible with the initial shape of the loop variable. It enters the "
                                "loop with shape " + loop_vars[i].shape().str() +
                                ", but the specified shape invariant is " + invariants[i].str() + ".");
  name_scope scope(options.name);
  auto make_args = [&](FunctionBuilder& b) {
    std::vector<Tensor> args;
    for (size_t i = 0; i < loop_vars.size(); ++i) args.push_back(b.add_arg(loop_vars[i].dtype(), invariants[i], "loop_var"));
    return args;
  };
  FunctionBuilder cb(outer, "while_cond");
  const Tensor c = cond(make_args(cb));
  if (!c) throw keraspp::ValueError("The loop condition returned None");
  if (c.dtype() != bool_ || c.shape().rank() > 0)
    throw keraspp::TypeError("The condition of while loop '" + scope.name() +
                             "' must return a scalar bool tensor, got " + np::dtype_name(c.dtype()) +
                             " of shape " + c.shape().str());
  const auto cond_def = cb.finish({c});
  FunctionBuilder bb(outer, "while_body");
  const std::vector<Tensor> results = body(make_args(bb));
  for (const Tensor& r : results)
    if (!r) throw keraspp::ValueError("The body of while loop '" + scope.name() + "' returned None");
  check_body_results(loop_vars, results, invariants);
  std::shared_ptr<const FunctionDef> body_def = bb.finish(results);
  // With back_prop, the body also returns the values it draws (saved_values),
  // stacked per iteration for the gradient.
  const std::vector<Edge> saved = options.back_prop ? saved_values(*body_def) : std::vector<Edge>{};
  std::vector<DType> saved_dtypes;
  std::vector<TensorShape> saved_shapes;
  if (!saved.empty()) {
    std::vector<Edge> body_results = body_def->results;
    body_results.insert(body_results.end(), saved.begin(), saved.end());
    body_def = add_function(*outer.data(), body_def->graph, body_def->args, std::move(body_results), "while_body");
    for (const Edge& e : saved) {
      const Node& n = body_def->graph->nodes[static_cast<size_t>(e.node)];
      saved_dtypes.push_back(n.out_dtypes[static_cast<size_t>(e.index)]);
      saved_shapes.push_back(n.out_shapes[static_cast<size_t>(e.index)]);
    }
  }
  std::vector<Tensor> inputs = loop_vars;
  inputs.insert(inputs.end(), cb.captured().begin(), cb.captured().end());
  inputs.insert(inputs.end(), bb.captured().begin(), bb.captured().end());
  std::vector<DType> dtypes;
  for (const Tensor& v : loop_vars) dtypes.push_back(v.dtype());
  const auto n = static_cast<int64_t>(loop_vars.size());
  const Operation op = op_builder::create(
      "While", inputs,
      {{"cond", cond_def->name}, {"body", body_def->name}, {"num_loop_vars", n},
       {"num_cond_captures", static_cast<int64_t>(cb.captured().size())},
       {"loop_signature", encode_signature(dtypes, invariants)}, {"back_prop", options.back_prop},
       {"maximum_iterations", options.maximum_iterations},
       {"parallel_iterations", static_cast<int64_t>(options.parallel_iterations)},
       {"num_outputs", options.back_prop ? 2 * n + static_cast<int64_t>(saved.size()) : n},
       {"num_saved", static_cast<int64_t>(saved.size())},
       {"saved_signature", encode_signature(saved_dtypes, saved_shapes)}},
      "While");
  std::vector<Tensor> out;
  for (int i = 0; i < n; ++i) out.push_back(op.output(i));
  return out;
}

}  // namespace tf
