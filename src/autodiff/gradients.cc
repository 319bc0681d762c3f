// Reverse-mode differentiation over the static graph. Node ids are a
// topological order, so one descending sweep visits every op after all of its
// consumers; no recursion.
#include "graph/graph_impl.h"
#include "keraspp/autodiff/gradients.h"

#include <algorithm>
#include <map>

#include "keraspp/graph/op_registry.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

namespace tf {

namespace {

// Sums the contributions reaching one tensor (several consumers).
Tensor sum_contributions(const std::vector<Tensor>& parts) {
  if (parts.empty()) return {};
  if (parts.size() == 1) return parts[0];
  return add_n(parts);
}

bool is_ref_input(const Node& n, size_t i) {
  const auto& r = n.def->ref_inputs;
  return std::find(r.begin(), r.end(), static_cast<int>(i)) != r.end();
}

}  // namespace

std::vector<Tensor> gradients(const std::vector<Tensor>& ys, const std::vector<Tensor>& xs,
                              const std::vector<Tensor>& grad_ys, const std::string& name) {
  if (ys.empty()) throw keraspp::ValueError("gradients: ys must not be empty");
  if (!grad_ys.empty() && grad_ys.size() != ys.size())
    throw keraspp::ValueError("Passed " + std::to_string(grad_ys.size()) +
                              " grad_ys for " + std::to_string(ys.size()) + " ys");
  Graph g = ys[0].graph();
  const auto& data = g.data();
  for (const Tensor& t : xs)
    if (!t || t.graph_data() != data)
      throw keraspp::ValueError("gradients: every x must be a tensor of the ys' graph");
  const size_t n = data->nodes.size();

  // Ops on a path from some x to some y.
  std::vector<char> from_x(n, 0), to_y(n, 0);
  for (const Tensor& x : xs) from_x[static_cast<size_t>(x.node_id())] = 1;
  for (size_t id = 0; id < n; ++id) {
    const Node& node = data->nodes[id];
    for (size_t i = 0; i < node.inputs.size() && !from_x[id]; ++i)
      if (!is_ref_input(node, i) && from_x[static_cast<size_t>(node.inputs[i].node)]) from_x[id] = 1;
  }
  for (const Tensor& y : ys) to_y[static_cast<size_t>(y.node_id())] = 1;
  for (size_t id = n; id-- > 0;) {
    if (!to_y[id]) continue;
    for (const Edge& e : data->nodes[id].inputs) to_y[static_cast<size_t>(e.node)] = 1;
  }

  Graph::DefaultGuard guard(g);
  name_scope outer(name);
  // Gradient contributions per (node, output).
  std::map<std::pair<int, int>, std::vector<Tensor>> pending;
  for (size_t i = 0; i < ys.size(); ++i) {
    Tensor gy = grad_ys.empty() ? ones_like(ys[i], "grad_ys_" + std::to_string(i)) : grad_ys[i];
    pending[{ys[i].node_id(), ys[i].value_index()}].push_back(gy);
  }
  std::map<std::pair<int, int>, Tensor> final_grads;
  int max_id = -1;
  for (const Tensor& y : ys) max_id = std::max(max_id, y.node_id());

  for (int id = max_id; id >= 0; --id) {
    const size_t uid = static_cast<size_t>(id);
    if (!from_x[uid] || !to_y[uid]) continue;
    Operation op(data, id);
    const Node& node = data->nodes[uid];
    std::vector<Tensor> out_grads(node.out_dtypes.size());
    bool any = false;
    for (size_t k = 0; k < out_grads.size(); ++k) {
      auto it = pending.find({id, static_cast<int>(k)});
      if (it == pending.end()) continue;
      out_grads[k] = sum_contributions(it->second);
      final_grads[{id, static_cast<int>(k)}] = out_grads[k];
      pending.erase(it);
      any = true;
    }
    if (!any || !node.def->differentiable || node.inputs.empty()) continue;
    if (!node.def->grad_fn)
      throw keraspp::LookupError("No gradient defined for operation '" + node.name +
                                 "' (op type: " + node.type + ")");
    std::vector<Tensor> in_grads;
    {
      name_scope scope(node.name + "_grad");
      in_grads = node.def->grad_fn(op, out_grads);
    }
    for (size_t i = 0; i < node.inputs.size() && i < in_grads.size(); ++i) {
      if (!in_grads[i] || is_ref_input(node, i)) continue;
      const Edge& e = node.inputs[i];
      if (!from_x[static_cast<size_t>(e.node)]) continue;
      const DType t = data->nodes[static_cast<size_t>(e.node)].out_dtypes[static_cast<size_t>(e.index)];
      if (!np::is_floating(t)) continue;
      pending[{e.node, e.index}].push_back(in_grads[i]);
    }
  }

  std::vector<Tensor> result;
  for (const Tensor& x : xs) {
    const std::pair<int, int> key{x.node_id(), x.value_index()};
    auto it = final_grads.find(key);
    if (it != final_grads.end()) {
      result.push_back(it->second);
    } else {
      auto p = pending.find(key);  // x below every visited op (e.g. x is a y's input)
      result.push_back(p == pending.end() ? Tensor() : sum_contributions(p->second));
    }
  }
  return result;
}

std::vector<Tensor> gradients(const Tensor& y, const std::vector<Tensor>& xs) {
  return gradients(std::vector<Tensor>{y}, xs);
}

}  // namespace tf
