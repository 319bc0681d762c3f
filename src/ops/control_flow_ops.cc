// tf.cond and tf.case on the functional op If: the branches are functions
// (graph/function.h) the runtime compiles into nested plans, and the kernel
// runs the one the predicate picks. If's gradient is an If over the
// branches' gradients, built in the branches' own graphs. Values a branch
// draws (random ops, nested loops drawing them) are extra outputs of the
// If that the gradient If feeds back into those nodes, so the backward
// pass replays the forward's draws instead of drawing again (TF 2's
// cond_v2 outputs the intermediates its gradient reads the same way).
#include "keraspp/ops/control_flow_ops.h"

#include "control_flow_util.h"
#include "graph/function.h"
#include "keraspp/autodiff/gradients.h"
#include "keraspp/ops/array_ops.h"

namespace tf {

namespace {

using control_flow::encode_signature;
using control_flow::indices;

// The If's gradient: for each floating input of either branch, the
// gradient of the taken branch's results (zeros for the other's inputs).
std::vector<Tensor> if_grad(const Operation& op, const std::vector<Tensor>& grads);

KPP_REGISTER_OP(OpDef{
    .name = "If",
    // input[0] is the predicate; then the taken branch's arguments:
    // num_then_inputs for the true branch, the rest for the false one.
    // Outputs: the branches' results, then the true branch's saved values
    // (num_then_saved), then the false one's (the branch not taken gives
    // scalar zeros for the other's).
    .inputs = {"input: N * T"},
    .outputs = {"output: num_outputs * T"},
    .attrs = {"T: type", "then_branch: string", "else_branch: string", "num_then_inputs: int",
              "output_signature: list(int)", "num_outputs: int", "num_then_saved: int = 0",
              "num_else_saved: int = 0"},
    .shape_fn = [](InferenceContext& c) {
      if (c.input_dtypes[0] != bool_ || c.input_shapes[0].rank() > 0)
        throw ShapeError("The predicate of a cond must be a scalar bool, got " +
                         np::dtype_name(c.input_dtypes[0]) + " of shape " + c.input_shapes[0].str());
      control_flow::set_outputs(c, c.attr<std::vector<int64_t>>("output_signature"), 0);
    },
    .grad_fn = if_grad,
    .function_attrs = {"then_branch", "else_branch"},
});

// Builds one branch's function; its results and the outer tensors it captured.
struct Branch {
  std::shared_ptr<const FunctionDef> def;
  std::vector<Tensor> results;
  std::vector<Tensor> captured;
  std::vector<Edge> saved;  // its values a replay would draw again (saved_values)
};
Branch build_branch(const Graph& outer, const std::string& hint,
                    const std::function<std::vector<Tensor>()>& fn) {
  FunctionBuilder b(outer, hint);
  Branch br;
  br.results = fn();
  br.def = b.finish(br.results);
  br.captured = b.captured();
  br.saved = saved_values(*br.def);
  return br;
}

// The dtypes of a branch's saved values.
std::vector<DType> saved_dtypes(const Branch& b) {
  std::vector<DType> out;
  for (const Edge& e : b.saved)
    out.push_back(b.def->graph->nodes[static_cast<size_t>(e.node)].out_dtypes[static_cast<size_t>(e.index)]);
  return out;
}

// The branch's function as the If calls it: its results, then the true
// branch's saved values, then the false one's; a branch gives scalar zeros
// in place of the other's (never read: the gradient runs the same branch).
std::shared_ptr<const FunctionDef> with_saved_results(GraphData& library, const Branch& own, const Branch& other,
                                                      bool own_first) {
  if (own.saved.empty() && other.saved.empty()) return own.def;
  const Graph g(own.def->graph);
  Graph::DefaultGuard guard(g);
  std::vector<Edge> zeros;
  for (DType d : saved_dtypes(other)) {
    const Tensor z = tf::zeros({}, d, "other_branch_saved");
    zeros.push_back({z.node_id(), z.value_index()});
  }
  std::vector<Edge> results = own.def->results;
  const std::vector<Edge>& first = own_first ? own.saved : zeros;
  const std::vector<Edge>& second = own_first ? zeros : own.saved;
  results.insert(results.end(), first.begin(), first.end());
  results.insert(results.end(), second.begin(), second.end());
  return add_function(library, own.def->graph, own.def->args, std::move(results), own_first ? "cond_true" : "cond_false");
}

// The forward If: the branches' results, then their saved values (of
// unknown shape: the branch not taken gives a scalar).
Operation if_op(const Graph& outer, const Tensor& pred, const Branch& t, const Branch& f,
                std::vector<DType> dtypes, std::vector<TensorShape> shapes) {
  std::vector<Tensor> inputs{pred};
  inputs.insert(inputs.end(), t.captured.begin(), t.captured.end());
  inputs.insert(inputs.end(), f.captured.begin(), f.captured.end());
  GraphData& library = *outer.data();
  const auto then_fn = with_saved_results(library, t, f, true);
  const auto else_fn = with_saved_results(library, f, t, false);
  for (const Branch* b : {&t, &f})
    for (DType d : saved_dtypes(*b)) dtypes.push_back(d), shapes.push_back(TensorShape::unknown());
  return op_builder::create("If", inputs,
                            {{"then_branch", then_fn->name}, {"else_branch", else_fn->name},
                             {"num_then_inputs", static_cast<int64_t>(t.captured.size())},
                             {"output_signature", encode_signature(dtypes, shapes)},
                             {"num_outputs", static_cast<int64_t>(dtypes.size())},
                             {"num_then_saved", static_cast<int64_t>(t.saved.size())},
                             {"num_else_saved", static_cast<int64_t>(f.saved.size())}},
                            "If");
}

// A branch's gradient function, in the branch's own graph: arguments are
// the branch's own, the gradients of its floating results, then one per
// floating input of the other branch; results are the gradients of this
// branch's floating inputs then zeros for the other's (own_first), or the
// other's zeros first.
// The saved values (branch.results after the first num_results) are fed
// back into the nodes that drew them.
std::shared_ptr<const FunctionDef> branch_grad(GraphData& library, const FunctionDef& branch,
                                               const std::vector<int>& own_float_args,
                                               const std::vector<Tensor>& other_float_inputs,
                                               const std::vector<int>& float_results, bool own_first,
                                               std::vector<Edge> saved) {
  const Graph g(branch.graph);
  Graph::DefaultGuard guard(g);
  std::vector<Tensor> ys, g_args, xs, extra, zeros;
  std::vector<int> args = branch.args;
  for (int r : float_results) {
    const Edge e = branch.results[static_cast<size_t>(r)];
    ys.emplace_back(branch.graph, e.node, e.index);
    g_args.push_back(placeholder(ys.back().dtype(), ys.back().shape(), "grad_y"));
    args.push_back(g_args.back().node_id());
  }
  for (int a : own_float_args) xs.emplace_back(branch.graph, branch.args[static_cast<size_t>(a)], 0);
  for (const Tensor& o : other_float_inputs) {
    extra.push_back(placeholder(o.dtype(), o.shape(), "other_branch_input"));
    args.push_back(extra.back().node_id());
    zeros.push_back(zeros_like(extra.back()));
  }
  std::vector<Tensor> dx = ys.empty() ? std::vector<Tensor>(xs.size()) : gradients(ys, xs, g_args, "cond_grad");
  for (size_t i = 0; i < dx.size(); ++i)
    if (!dx[i]) dx[i] = zeros_like(xs[i]);
  std::vector<Edge> results;
  for (const Tensor& t : own_first ? dx : zeros) results.push_back({t.node_id(), t.value_index()});
  for (const Tensor& t : own_first ? zeros : dx) results.push_back({t.node_id(), t.value_index()});
  return add_function(library, branch.graph, std::move(args), std::move(results), "cond_grad", std::move(saved));
}

std::vector<Tensor> if_grad(const Operation& op, const std::vector<Tensor>& grads) {
  GraphData& graph = *op.graph_data();
  const FunctionDef& then_fn = find_function(graph, op.get_attr<std::string>("then_branch"), op.name());
  const FunctionDef& else_fn = find_function(graph, op.get_attr<std::string>("else_branch"), op.name());
  if (!then_fn.fed_values.empty() || !else_fn.fed_values.empty())
    throw errors::UnimplementedError("Gradient of cond '" + op.name() + "', itself the gradient of a cond "
                                     "whose branch draws random values: second derivatives replaying saved "
                                     "draws are not built");
  const auto n_then = static_cast<size_t>(op.get_attr<int64_t>("num_then_inputs"));
  const std::vector<Tensor> in = op.inputs();
  std::vector<int> then_float, else_float;  // argument positions within each branch
  std::vector<Tensor> then_float_in, else_float_in;
  for (size_t i = 1; i < in.size(); ++i) {
    if (!np::is_floating(in[i].dtype())) continue;
    if (i <= n_then) {
      then_float.push_back(static_cast<int>(i - 1));
      then_float_in.push_back(in[i]);
    } else {
      else_float.push_back(static_cast<int>(i - 1 - n_then));
      else_float_in.push_back(in[i]);
    }
  }
  const auto n_then_saved = static_cast<int>(op.get_attr<int64_t>("num_then_saved"));
  const auto n_else_saved = static_cast<int>(op.get_attr<int64_t>("num_else_saved"));
  const int n_results = op.num_outputs() - n_then_saved - n_else_saved;
  // The saved values: edges in each branch's graph and the If's outputs.
  auto saved_part = [&](const FunctionDef& fn, int first, int count, std::vector<Tensor>& outputs) {
    for (int k = first; k < first + count; ++k) outputs.push_back(op.output(k));
    return std::vector<Edge>(fn.results.begin() + first, fn.results.begin() + first + count);
  };
  std::vector<Tensor> then_saved_out, else_saved_out;
  std::vector<Edge> then_saved = saved_part(then_fn, n_results, n_then_saved, then_saved_out);
  std::vector<Edge> else_saved = saved_part(else_fn, n_results + n_then_saved, n_else_saved, else_saved_out);
  std::vector<int> float_results;
  std::vector<Tensor> gy;
  for (int k = 0; k < n_results; ++k) {
    if (!np::is_floating(op.output(k).dtype())) continue;
    float_results.push_back(k);
    gy.push_back(grads[static_cast<size_t>(k)] ? grads[static_cast<size_t>(k)] : zeros_like(op.output(k)));
  }
  if (then_float.empty() && else_float.empty()) return {};
  const auto then_grad =
      branch_grad(graph, then_fn, then_float, else_float_in, float_results, true, std::move(then_saved));
  const auto else_grad =
      branch_grad(graph, else_fn, else_float, then_float_in, float_results, false, std::move(else_saved));
  std::vector<Tensor> inputs{op.input(0)};
  for (size_t i = 1; i <= n_then; ++i) inputs.push_back(in[i]);
  inputs.insert(inputs.end(), gy.begin(), gy.end());
  inputs.insert(inputs.end(), else_float_in.begin(), else_float_in.end());
  inputs.insert(inputs.end(), then_saved_out.begin(), then_saved_out.end());
  const size_t n_then_grad = inputs.size() - 1;
  for (size_t i = n_then + 1; i < in.size(); ++i) inputs.push_back(in[i]);
  inputs.insert(inputs.end(), gy.begin(), gy.end());
  inputs.insert(inputs.end(), then_float_in.begin(), then_float_in.end());
  inputs.insert(inputs.end(), else_saved_out.begin(), else_saved_out.end());
  std::vector<DType> dtypes;
  std::vector<TensorShape> shapes;
  for (const auto* list : {&then_float_in, &else_float_in})
    for (const Tensor& t : *list) dtypes.push_back(t.dtype()), shapes.push_back(t.shape());
  const Operation g = op_builder::create(
      "If", inputs,
      {{"then_branch", then_grad->name}, {"else_branch", else_grad->name},
       {"num_then_inputs", static_cast<int64_t>(n_then_grad)},
       {"output_signature", encode_signature(dtypes, shapes)},
       {"num_outputs", static_cast<int64_t>(dtypes.size())}},
      "If");
  std::vector<Tensor> out(in.size());
  int k = 0;
  for (int i : then_float) out[static_cast<size_t>(i) + 1] = g.output(k++);
  for (int i : else_float) out[static_cast<size_t>(i) + 1 + n_then] = g.output(k++);
  return out;
}

}  // namespace

std::vector<Tensor> cond(const TensorLike& pred_like, const std::function<std::vector<Tensor>()>& fn1,
                         const std::function<std::vector<Tensor>()>& fn2, const std::string& name) {
  const Tensor pred = pred_like.to_tensor(bool_);
  if (pred.dtype() != bool_)
    throw keraspp::TypeError("Input 'pred' of 'If' Op has type " + np::dtype_name(pred.dtype()) +
                             " that does not match expected type of bool.");
  const Graph outer = op_builder::graph_for({pred});
  Graph::DefaultGuard in_outer(outer);
  name_scope scope(name);
  const Branch t = build_branch(outer, "cond_true", fn1);
  const Branch f = build_branch(outer, "cond_false", fn2);
  if (t.results.size() != f.results.size())
    throw keraspp::ValueError("fn1 and fn2 must return the same number of results.");
  std::vector<DType> dtypes;
  std::vector<TensorShape> shapes;
  for (size_t i = 0; i < t.results.size(); ++i) {
    const Tensor &a = t.results[i], &b = f.results[i];
    if (a.dtype() != b.dtype())
      throw keraspp::ValueError("Outputs of fn1 and fn2 must have the same type: " +
                                np::dtype_name(a.dtype()) + ", " + np::dtype_name(b.dtype()));
    dtypes.push_back(a.dtype());
    // The most specific shape both branches' results have.
    const TensorShape &sa = a.shape(), &sb = b.shape();
    TensorShape s;
    if (sa.has_rank() && sb.has_rank() && sa.rank() == sb.rank()) {
      std::vector<int64_t> dims;
      for (int d = 0; d < sa.rank(); ++d) dims.push_back(sa.dim(d) == sb.dim(d) ? sa.dim(d) : -1);
      s = TensorShape(dims);
    }
    shapes.push_back(s);
  }
  const Operation op = if_op(outer, pred, t, f, dtypes, shapes);
  std::vector<Tensor> out;
  for (size_t i = 0; i < dtypes.size(); ++i) out.push_back(op.output(static_cast<int>(i)));
  return out;
}

Tensor cond(const TensorLike& pred, const std::function<Tensor()>& fn1, const std::function<Tensor()>& fn2,
            const std::string& name) {
  return cond(
      pred, [&] { return std::vector<Tensor>{fn1()}; }, [&] { return std::vector<Tensor>{fn2()}; }, name)[0];
}

Tensor case_(const std::vector<std::pair<Tensor, BranchFn>>& pred_fn_pairs, const BranchFn& default_fn,
             const std::string& name) {
  // Evaluated in order: the first true predicate's fn; later conds nest in
  // the false branches, so only the fn taken runs.
  const std::function<Tensor(size_t)> from = [&](size_t i) -> Tensor {
    if (i == pred_fn_pairs.size()) return default_fn();
    return cond(pred_fn_pairs[i].first, pred_fn_pairs[i].second, [&] { return from(i + 1); }, "If_" + std::to_string(i));
  };
  Graph::DefaultGuard in_graph(op_builder::graph_for({pred_fn_pairs.empty() ? Tensor() : pred_fn_pairs[0].first}));
  name_scope scope(name);
  return from(0);
}

}  // namespace tf
