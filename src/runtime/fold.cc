// Plan-time folding of known scalar predicates (see fold.h).
#include "fold.h"

#include <algorithm>

#include "graph/function.h"
#include "graph/graph_impl.h"
#include "keraspp/graph/op_registry.h"

namespace tf::runtime {

Folding::Folding(const GraphData& g, const std::vector<Edge>& fed,
                 const std::vector<std::optional<bool>>& fed_bools)
    : g_(g) {
  for (size_t i = 0; i < fed.size(); ++i) {
    fed_.insert(key(fed[i]));
    if (fed_bools[i]) known_[key(fed[i])] = *fed_bools[i];
  }
  // Inputs precede their consumers in node order, so one pass sees every
  // input's facts before the node itself.
  for (const Node& n : g.nodes) visit(n);
}

Edge Folding::resolve(const Edge& e) const {
  auto it = alias_.find(key(e));
  return it == alias_.end() ? e : it->second;
}

std::vector<Edge> Folding::inputs(const Node& n) const {
  if (auto it = reduced_.find(n.id); it != reduced_.end()) return it->second;
  std::vector<Edge> in;
  in.reserve(n.inputs.size());
  for (const Edge& e : n.inputs) in.push_back(resolve(e));
  return in;
}

void Folding::visit(const Node& n) {
  const Edge out{n.id, 0};
  // A fed output keeps its feed; a node with control inputs keeps its
  // ordering role (tf.control_dependencies + identity is an idiom).
  if (fed_.count(key(out)) || !n.control_inputs.empty() || n.out_dtypes.empty()) return;
  auto known = [&](const Edge& e) -> std::optional<bool> {
    auto it = known_.find(key(resolve(e)));
    if (it == known_.end()) return std::nullopt;
    return it->second;
  };
  auto is_zero = [&](const Edge& e) { return zero_.count(key(resolve(e))) > 0; };

  // What the op computes comes from its OpDef's flags (op_registry.h).
  const OpDef& def = *n.def;
  if (def.is_constant && n.out_dtypes[0] == bool_) {
    const np::Array& v = std::get<np::Array>(n.attrs.at("value"));
    if (v.ndim() == 0) known_[key(out)] = v.get_flat(0) != 0;
  } else if (def.forwards_input) {
    // Identities (variable reads, an unfed default) cost a step and nothing
    // else: readers read the input; its facts carry over through resolve().
    alias_[key(out)] = resolve(n.inputs[0]);
  } else if (def.converts_input && n.out_dtypes[0] == bool_) {
    if (auto v = known(n.inputs[0])) known_[key(out)] = *v;
  } else if (def.function_attrs.size() == 2 && n.attrs.count("num_then_inputs")) {
    if (auto c = known(n.inputs[0])) visit_cond(n, *c);
  } else if (def.select_inputs) {
    // A scalar condition picks one whole branch (the kernel passes it through).
    const OpDef::SelectInputs& s = *def.select_inputs;
    if (auto c = known(n.inputs[static_cast<size_t>(s.predicate)]))
      alias_[key(out)] = resolve(n.inputs[static_cast<size_t>(*c ? s.if_true : s.if_false)]);
  } else if (def.produces_zeros) {
    zero_.insert(key(out));
  } else if (def.sums_inputs) {
    std::vector<Edge> terms;
    for (const Edge& e : n.inputs)
      if (!is_zero(e)) terms.push_back(resolve(e));
    if (terms.size() == n.inputs.size()) return;
    if (terms.empty()) {
      alias_[key(out)] = resolve(n.inputs[0]);  // all zeros: any term is the sum
    } else if (terms.size() == 1) {
      alias_[key(out)] = terms[0];
    } else {
      reduced_[n.id] = std::move(terms);
    }
  } else {
    // Sums, views, negations and products of zeros, zeros divided by anything.
    for (int i : def.zero_preserving_inputs)
      if (is_zero(n.inputs[static_cast<size_t>(i)])) {
        zero_.insert(key(out));
        break;
      }
  }
}

// The taken branch's inputs stay; the other branch's read the predicate
// instead (the kernel never reads them), so their producers are pruned.
// A result the taken function passes through from argument j reads that
// input; one it computes as zeros is a known zero (the If still computes it
// if anything reads it).
void Folding::visit_cond(const Node& n, bool taken) {
  const auto& fn_name = std::get<std::string>(n.attrs.at(taken ? n.def->function_attrs[0] : n.def->function_attrs[1]));
  const FunctionDef& fn = find_function(g_, fn_name, n.name);
  const auto n_then = static_cast<size_t>(std::get<int64_t>(n.attrs.at("num_then_inputs")));
  const size_t first = taken ? 1 : 1 + n_then, end = taken ? 1 + n_then : n.inputs.size();
  std::vector<Edge> in;
  for (size_t i = 0; i < n.inputs.size(); ++i)
    in.push_back(resolve(i == 0 || (i >= first && i < end) ? n.inputs[i] : n.inputs[0]));
  for (size_t k = 0; k < fn.results.size() && k < n.out_dtypes.size(); ++k) {
    const Edge r = fn.results[k];
    const Edge out{n.id, static_cast<int>(k)};
    const auto arg = std::find(fn.args.begin(), fn.args.end(), r.node);
    if (arg != fn.args.end() && r.index == 0) {
      alias_[key(out)] = in[first + static_cast<size_t>(arg - fn.args.begin())];
    } else if (fn.graph->nodes[static_cast<size_t>(r.node)].def->produces_zeros) {
      zero_.insert(key(out));
    }
  }
  reduced_[n.id] = std::move(in);
}

}  // namespace tf::runtime
