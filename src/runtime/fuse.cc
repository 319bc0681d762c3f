// Plan-time op fusion by the fusion table (see fuse.h).
#include "fuse.h"

#include <algorithm>
#include <type_traits>
#include <variant>

#include "fuse_util.h"
#include "keraspp/graph/op_registry.h"

namespace tf::runtime {

const kernels::KernelFn* find_kernel(const std::string& op, np::Device device, DType dtype) {
  return kernels::KernelRegistry::global().find(op, device, dtype);
}

namespace {

// A pattern's names resolved to indices once per plan.
struct ResolvedPattern {
  const FusionPattern& row;
  std::vector<int> reads;                    // per link: the input reading the previous link
  std::vector<std::pair<int, int>> inputs;   // (link, input index)
  std::vector<bool> is_output;               // per link: its value is a fused-step output
  int place;                                 // the link whose place the fused step takes

  explicit ResolvedPattern(const FusionPattern& p) : row(p), is_output(p.chain.size(), false) {
    const OpRegistry& registry = OpRegistry::global();
    for (const FusionLink& link : p.chain)
      reads.push_back(link.reads.empty() ? -1 : registry.lookup(link.op).input_index(link.reads));
    for (const auto& [link, name] : p.inputs)
      inputs.emplace_back(link, registry.lookup(p.chain[static_cast<size_t>(link)].op).input_index(name));
    for (int l : p.outputs) is_output[static_cast<size_t>(l)] = true;
    place = p.outputs.front();
  }
};

// Whether two attr values are equal (tensors compared element by element).
bool same_value(const AttrValue& a, const AttrValue& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<np::Array>(&a)) return np::array_equal(*x, std::get<np::Array>(b));
  return std::visit(
      [&b](const auto& x) {
        using V = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<V, np::Array>) return false;  // handled above
        else return x == std::get<V>(b);
      },
      a);
}

// Whether step st can be link `l` of a chain of dtype `dtype`: its first
// output of that dtype and no other output read, the link's attr values, no
// control inputs.
bool can_link(const Step& st, const FusionLink& link, DType dtype) {
  if (st.type != link.op || st.node->out_dtypes.empty() || st.node->out_dtypes[0] != dtype ||
      !st.node->control_inputs.empty())
    return false;
  for (size_t i = 1; i < st.out_slots.size(); ++i)
    if (st.out_slots[i] >= 0) return false;
  for (const auto& [name, value] : link.attrs) {
    const auto it = st.node->attrs.find(name);
    if (it == st.node->attrs.end() || !same_value(it->second, value)) return false;
  }
  return true;
}

// Whether the matched links (at[l] for link l) satisfy the row's attribute
// conditions: each listed link has the attr, all with one value.
bool same_attrs_hold(const Plan& plan, const FusionPattern& row, const std::vector<size_t>& at) {
  for (const FusionAttrMatch& m : row.same_attrs) {
    const AttrValue* first = nullptr;
    for (int l : m.links) {
      const AttrMap& attrs = plan.steps[at[static_cast<size_t>(l)]].node->attrs;
      auto it = attrs.find(m.attr);
      if (it == attrs.end()) return false;
      if (!first) first = &it->second;
      else if (!same_value(*first, it->second)) return false;
    }
  }
  return true;
}

// The steps of the chain starting at step k (at[l] for link l), or false
// when the plan around k does not match the pattern and its rules.
bool match(const Plan& plan, const Readers& readers, const std::vector<bool>& removed,
           const ResolvedPattern& p, size_t k, std::vector<size_t>& at) {
  const auto& chain = p.row.chain;
  if (plan.steps[k].node->out_dtypes.empty()) return false;
  const DType dtype = plan.steps[k].node->out_dtypes[0];
  if (!can_link(plan.steps[k], chain[0], dtype)) return false;
  at.assign(chain.size(), 0);
  at[0] = k;
  for (size_t l = 1; l < chain.size(); ++l) {
    const int value = plan.steps[at[l - 1]].out_slots[0];
    if (value < 0) return false;
    auto reads_value = [&](size_t j) {
      const Step& st = plan.steps[j];
      return !removed[j] && can_link(st, chain[l], dtype) &&
             st.in_slots[static_cast<size_t>(p.reads[l])] == value;
    };
    if (!p.is_output[l - 1]) {
      // An intermediate value: read by this link alone, not kept.
      if (plan.keep[static_cast<size_t>(value)]) return false;
      const int j = readers.sole(value);
      if (j < 0 || !reads_value(static_cast<size_t>(j))) return false;
      at[l] = static_cast<size_t>(j);
    } else {
      // A value the fused step outputs: the first later step that reads it
      // as this link (its other readers read the fused step's output).
      size_t j = at[l - 1] + 1;
      while (j < plan.steps.size() && !reads_value(j)) ++j;
      if (j == plan.steps.size()) return false;
      at[l] = j;
    }
  }
  return same_attrs_hold(plan, p.row, at);
}

void fuse_pattern(Plan& plan, const FusionPattern& row) {
  const ResolvedPattern p(row);
  const Readers readers(plan);
  const std::vector<int> producer = producers(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  std::vector<size_t> at;
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    if (removed[k] || !match(plan, readers, removed, p, k, at)) continue;
    const kernels::KernelFn* kernel = find_kernel(row.fused_op, plan.device, plan.steps[k].node->out_dtypes[0]);
    if (!kernel) continue;
    // The fused step runs where the first link with an output ran: the
    // readers of every output come after it. Its inputs must be ready there.
    const size_t place = at[static_cast<size_t>(p.place)];
    Step f;
    f.node = plan.steps[k].node;  // the first link's attrs
    f.type = row.fused_op;
    f.kernel = kernel;
    bool ready = true;
    for (const auto& [link, input] : p.inputs) {
      const int s = plan.steps[at[static_cast<size_t>(link)]].in_slots[static_cast<size_t>(input)];
      ready = ready && (s < 0 || producer[static_cast<size_t>(s)] < static_cast<int>(place));
      f.in_slots.push_back(s);
    }
    if (!ready) continue;
    for (int l : row.outputs) f.out_slots.push_back(plan.steps[at[static_cast<size_t>(l)]].out_slots[0]);
    for (size_t j : at) f.links.push_back(plan.steps[j].node);
    for (size_t j : at) removed[j] = true;
    removed[place] = false;
    plan.steps[place] = std::move(f);
  }
  erase_removed(plan, removed);
}

}  // namespace

void fuse_chains(Plan& plan) {
  for (const FusionPattern& row : OpRegistry::global().fusions()) fuse_pattern(plan, row);
}

}  // namespace tf::runtime
