// Plan-time folding of known scalar predicates (see fold.h).
#include "fold.h"

#include "graph/graph_impl.h"
#include "keraspp/graph/op_registry.h"

namespace tf::runtime {

Folding::Folding(const GraphData& g, const std::vector<Edge>& fed,
                 const std::vector<std::optional<bool>>& fed_bools) {
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

}  // namespace tf::runtime
