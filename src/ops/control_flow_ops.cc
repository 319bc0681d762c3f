// tf.cond and tf.case on the functional op If: the branches are functions
// (graph/function.h) the runtime compiles into nested plans, and the kernel
// runs the one the predicate picks. If's gradient is an If over the
// branches' gradients, built in the branches' own graphs.
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
    .inputs = {"input: N * T"},
    .outputs = {"output: num_outputs * T"},
    .attrs = {"T: type", "then_branch: string", "else_branch: string", "num_then_inputs: int",
              "output_signature: list(int)", "num_outputs: int"},
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
};
Branch build_branch(const Graph& outer, const std::string& hint,
                    const std::function<std::vector<Tensor>()>& fn) {
  FunctionBuilder b(outer, hint);
  Branch br;
  br.results = fn();
  br.def = b.finish(br.results);
  br.captured = b.captured();
  return br;
}

Operation if_op(const Tensor& pred, const Branch& t, const Branch& f, const std::vector<DType>& dtypes,
             const std::vector<TensorShape>& shapes) {
  std::vector<Tensor> inputs{pred};
  inputs.insert(inputs.end(), t.captured.begin(), t.captured.end());
  inputs.insert(inputs.end(), f.captured.begin(), f.captured.end());
  return op_builder::create("If", inputs,
                            {{"then_branch", t.def->name}, {"else_branch", f.def->name},
                             {"num_then_inputs", static_cast<int64_t>(t.captured.size())},
                             {"output_signature", encode_signature(dtypes, shapes)},
                             {"num_outputs", static_cast<int64_t>(dtypes.size())}},
                            "If");
}

// A branch's gradient function, in the branch's own graph: arguments are
// the branch's own, the gradients of its floating results, then one per
// floating input of the other branch; results are the gradients of this
// branch's floating inputs then zeros for the other's (own_first), or the
// other's zeros first.
std::shared_ptr<const FunctionDef> branch_grad(GraphData& library, const FunctionDef& branch,
                                               const std::vector<int>& own_float_args,
                                               const std::vector<Tensor>& other_float_inputs,
                                               const std::vector<int>& float_results, bool own_first) {
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
  return add_function(library, branch.graph, std::move(args), std::move(results), "cond_grad");
}

std::vector<Tensor> if_grad(const Operation& op, const std::vector<Tensor>& grads) {
  GraphData& graph = *op.graph_data();
  const FunctionDef& then_fn = find_function(graph, op.get_attr<std::string>("then_branch"), op.name());
  const FunctionDef& else_fn = find_function(graph, op.get_attr<std::string>("else_branch"), op.name());
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
  std::vector<int> float_results;
  std::vector<Tensor> gy;
  for (int k = 0; k < op.num_outputs(); ++k) {
    if (!np::is_floating(op.output(k).dtype())) continue;
    float_results.push_back(k);
    gy.push_back(grads[static_cast<size_t>(k)] ? grads[static_cast<size_t>(k)] : zeros_like(op.output(k)));
  }
  if (then_float.empty() && else_float.empty()) return {};
  control_flow::check_recomputable(*then_fn.graph, "cond '" + op.name() + "'");
  control_flow::check_recomputable(*else_fn.graph, "cond '" + op.name() + "'");
  const auto then_grad = branch_grad(graph, then_fn, then_float, else_float_in, float_results, true);
  const auto else_grad = branch_grad(graph, else_fn, else_float, then_float_in, float_results, false);
  std::vector<Tensor> inputs{op.input(0)};
  for (size_t i = 1; i <= n_then; ++i) inputs.push_back(in[i]);
  inputs.insert(inputs.end(), gy.begin(), gy.end());
  inputs.insert(inputs.end(), else_float_in.begin(), else_float_in.end());
  const size_t n_then_grad = inputs.size() - 1;
  for (size_t i = n_then + 1; i < in.size(); ++i) inputs.push_back(in[i]);
  inputs.insert(inputs.end(), gy.begin(), gy.end());
  inputs.insert(inputs.end(), then_float_in.begin(), then_float_in.end());
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
  return if_op(pred, t, f, dtypes, shapes).outputs();
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
