// The fusion of an optimizer update with the MatMul computing its gradient
// (see fuse.h). Which ops update variables (ref inputs), which outputs are
// fresh buffers, constants and variable reads, which updates take a product
// and at which input: all read from OpDefs, no op type named here.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "fuse.h"
#include "fuse_util.h"
#include "keraspp/graph/op_registry.h"

namespace tf::runtime {
namespace {

// Variables (node ids) a step writes: the nodes of its ref inputs.
std::set<int> ref_targets(const Step& st) {
  std::set<int> out;
  for (int r : st.node->def->ref_inputs) out.insert(st.node->inputs[static_cast<size_t>(r)].node);
  return out;
}

bool intersects(const std::set<int>& a, const std::set<int>& b) {
  for (int x : a)
    if (b.count(x)) return true;
  return false;
}

// The OpDef of what a step runs (a fused step's is the fused op's).
const OpDef& def_of(const Step& st) {
  return st.type == st.node->type ? *st.node->def : OpRegistry::global().lookup(st.type);
}

// Steps whose outputs are always fresh buffers, never an input's: a value
// they compute from a variable is a copy.
bool allocates_outputs(const Step& st) { return def_of(st).allocates_outputs; }

// Whether update step u may run at k, where the MatMul computing its
// gradient runs, instead of at u: its control inputs have run by then; its
// other inputs are computed before k and hold the same values at k as at u
// (a Const, a variable nothing in between writes, or anything when nothing
// in between writes a variable); and no step in between reads or writes the
// variables it updates, directly or through a value that may alias them.
bool can_run_at(const Plan& plan, const std::vector<int>& producer,
                const std::vector<bool>& removed, size_t k, size_t u, int gradient_input) {
  const Step& update = plan.steps[u];
  const std::set<int> vars = ref_targets(update);
  std::map<int, size_t> step_of;
  for (size_t j = 0; j < plan.steps.size(); ++j)
    if (!removed[j]) step_of[plan.steps[j].node->id] = j;
  for (int c : update.node->control_inputs) {
    auto it = step_of.find(c);
    if (it == step_of.end() || it->second >= k) return false;
  }
  std::set<int> written;
  for (size_t j = k + 1; j < u; ++j)
    if (!removed[j]) {
      const std::set<int> w = ref_targets(plan.steps[j]);
      written.insert(w.begin(), w.end());
    }
  for (size_t i = 0; i < update.in_slots.size(); ++i) {
    const int s = update.in_slots[i];
    if (static_cast<int>(i) == gradient_input || s < 0) continue;
    const int p = producer[static_cast<size_t>(s)];
    if (p < 0) continue;  // fed
    if (p >= static_cast<int>(k)) return false;
    const Step& src = plan.steps[static_cast<size_t>(p)];
    const OpDef& def = def_of(src);
    const bool stable = written.empty() || def.is_constant ||
                        (def.is_variable && !written.count(src.node->id));
    if (!stable) return false;
  }
  // Slots that may alias the updated variables: their reads, and whatever
  // a step that may forward its input made of them.
  std::vector<bool> alias(static_cast<size_t>(plan.num_slots), false);
  for (size_t j = 0; j < u; ++j) {
    if (removed[j]) continue;
    const Step& st = plan.steps[j];
    bool from_vars = def_of(st).is_variable && vars.count(st.node->id);
    if (!from_vars && !allocates_outputs(st))
      for (int s : st.in_slots) from_vars = from_vars || (s >= 0 && alias[static_cast<size_t>(s)]);
    if (from_vars)
      for (int s : st.out_slots)
        if (s >= 0) alias[static_cast<size_t>(s)] = true;
    if (j <= k) continue;
    if (intersects(ref_targets(st), vars)) return false;
    for (int s : st.in_slots)
      if (s >= 0 && alias[static_cast<size_t>(s)]) return false;
  }
  return true;
}

// Whether a step strictly between k and u writes a variable (ref inputs
// mark the writers).
bool writes_between(const Plan& plan, const std::vector<bool>& removed, size_t k, size_t u) {
  for (size_t j = k + 1; j < u; ++j)
    if (!removed[j] && !plan.steps[j].node->def->ref_inputs.empty()) return true;
  return false;
}

// Constants first: they have no data inputs and no effects, so running them
// early changes no value and makes them ready wherever a fused step moves.
void hoist_constants(Plan& plan) {
  std::stable_partition(plan.steps.begin(), plan.steps.end(), [](const Step& st) {
    return def_of(st).is_constant && st.node->inputs.empty();
  });
}

}  // namespace

void fuse_gradient_products(Plan& plan) {
  hoist_constants(plan);
  const Readers readers(plan);
  std::vector<int> producer = producers(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  for (size_t u = 0; u < plan.steps.size(); ++u) {
    Step& update = plan.steps[u];
    // The update's schema says which input may be a product, and names the
    // fused op; the product is float32 (sgemm's), so is the fused kernel.
    const OpDef& def = def_of(update);
    const std::optional<int> gi =
        def.gradient_product_input >= 0 ? std::optional<int>(def.gradient_product_input) : std::nullopt;
    if (!gi || update.node->out_dtypes.size() != 1 || update.node->out_dtypes[0] != float32 ||
        update.gradient_product)
      continue;
    const std::string fused_op = gradient_product_op(update.type);
    const kernels::KernelFn* kernel = find_kernel(fused_op, plan.device, float32);
    if (!kernel) continue;
    // The gradient: a float32 MatMul's product read by this update alone.
    const int g = update.in_slots[static_cast<size_t>(*gi)];
    if (g < 0 || plan.keep[static_cast<size_t>(g)] || readers.sole(g) != static_cast<int>(u)) continue;
    const int k = producer[static_cast<size_t>(g)];
    if (k < 0 || removed[static_cast<size_t>(k)]) continue;
    const Step& mm = plan.steps[static_cast<size_t>(k)];
    if (!def_of(mm).matrix_product || mm.node->out_dtypes.size() != 1 ||
        mm.node->out_dtypes[0] != float32 || !mm.node->control_inputs.empty())
      continue;
    // The fused step runs where the MatMul ran when the update may move
    // there (its gradient's inputs are then still in cache), else where the
    // update ran when nothing in between writes a variable (the product's
    // inputs could alias one).
    const bool early = can_run_at(plan, producer, removed, static_cast<size_t>(k), u, *gi);
    if (!early && writes_between(plan, removed, static_cast<size_t>(k), u)) continue;
    update.gradient_product = kernels::KernelContext::GradientProduct{
        *gi, std::get<bool>(mm.node->attrs.at("transpose_a")),
        std::get<bool>(mm.node->attrs.at("transpose_b")), mm.node};
    update.in_slots[static_cast<size_t>(*gi)] = mm.in_slots[0];
    update.in_slots.push_back(mm.in_slots[1]);
    update.type = fused_op;
    update.kernel = kernel;
    if (early) {
      for (int s : update.out_slots)
        if (s >= 0) producer[static_cast<size_t>(s)] = k;
      plan.steps[static_cast<size_t>(k)] = std::move(update);
      removed[u] = true;
    } else {
      removed[static_cast<size_t>(k)] = true;
    }
  }
  erase_removed(plan, removed);
}

}  // namespace tf::runtime
