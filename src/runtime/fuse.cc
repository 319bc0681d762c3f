// Plan-time op fusion (see fuse.h).
#include "fuse.h"

#include <algorithm>
#include <map>
#include <set>

#include "keraspp/graph/op_registry.h"
#include "keraspp/kernels/kernel.h"

namespace tf::runtime {
namespace {

// The one step reading slot s (as any input), or -1 when none or several.
struct Readers {
  explicit Readers(const Plan& plan) : only(static_cast<size_t>(plan.num_slots), -1),
                                       count(static_cast<size_t>(plan.num_slots), 0) {
    for (size_t k = 0; k < plan.steps.size(); ++k)
      for (int s : plan.steps[k].in_slots)
        if (s >= 0) {
          ++count[static_cast<size_t>(s)];
          only[static_cast<size_t>(s)] = static_cast<int>(k);
        }
  }
  int sole(int s) const {
    return s >= 0 && count[static_cast<size_t>(s)] == 1 ? only[static_cast<size_t>(s)] : -1;
  }
  std::vector<int> only, count;
};

bool is(const Step& st, const char* type, DType dtype) {
  return st.type == type && st.node->out_dtypes.size() == 1 && st.node->out_dtypes[0] == dtype;
}

// The step writing each slot (-1 for feeds and unwritten slots).
std::vector<int> producers(const Plan& plan) {
  std::vector<int> producer(static_cast<size_t>(plan.num_slots), -1);
  for (size_t k = 0; k < plan.steps.size(); ++k)
    for (int s : plan.steps[k].out_slots)
      if (s >= 0) producer[static_cast<size_t>(s)] = static_cast<int>(k);
  return producer;
}

// Drops the steps marked removed, keeping the others' order.
void erase_removed(Plan& plan, const std::vector<bool>& removed) {
  std::vector<Step> kept;
  kept.reserve(plan.steps.size());
  for (size_t k = 0; k < plan.steps.size(); ++k)
    if (!removed[k]) kept.push_back(std::move(plan.steps[k]));
  plan.steps = std::move(kept);
}

}  // namespace

void fuse_matmul_epilogues(Plan& plan) {
  const Readers readers(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  auto kernel = [&plan](const char* name) { return kernels::KernelRegistry::global().find(name, plan.device, float32); };
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    Step& mm = plan.steps[k];
    if (!is(mm, "MatMul", float32) || !mm.node->control_inputs.empty()) continue;
    // The product's only reader is a BiasAdd adding to it.
    const int product = mm.out_slots[0];
    if (product < 0 || plan.keep[static_cast<size_t>(product)]) continue;
    const int b = readers.sole(product);
    if (b < 0) continue;
    Step& bias_add = plan.steps[static_cast<size_t>(b)];
    if (!is(bias_add, "BiasAdd", float32) || bias_add.in_slots[0] != product ||
        bias_add.in_slots[1] == product || !bias_add.node->control_inputs.empty())
      continue;
    // ... and, optionally, the sum's only reader is a Relu.
    Step* last = &bias_add;
    const int sum = bias_add.out_slots[0];
    const int r = sum >= 0 && !plan.keep[static_cast<size_t>(sum)] ? readers.sole(sum) : -1;
    const bool relu = r >= 0 && is(plan.steps[static_cast<size_t>(r)], "Relu", float32) &&
                      plan.steps[static_cast<size_t>(r)].node->control_inputs.empty();
    if (relu) last = &plan.steps[static_cast<size_t>(r)];
    const kernels::KernelFn* fused = kernel(relu ? "_FusedMatMulRelu" : "_FusedMatMul");
    if (!fused) continue;
    // The fused step runs where the chain's last step ran: every input of the
    // chain is ready there and every reader of its output comes later.
    Step f;
    f.node = mm.node;
    f.type = relu ? "_FusedMatMulRelu" : "_FusedMatMul";
    f.kernel = fused;
    f.in_slots = {mm.in_slots[0], mm.in_slots[1], bias_add.in_slots[1]};
    f.out_slots = {last->out_slots[0]};
    *last = std::move(f);
    removed[k] = true;
    if (relu) removed[static_cast<size_t>(b)] = true;
  }
  erase_removed(plan, removed);
}

void fuse_bias_add_grads(Plan& plan) {
  const Readers readers(plan);
  const std::vector<int> producer = producers(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    Step& relu = plan.steps[k];
    if (relu.type != "ReluGrad" || !relu.node->control_inputs.empty()) continue;
    const DType dtype = relu.node->out_dtypes[0];
    const int dz = relu.out_slots[0];
    if (dz < 0) continue;
    // A BiasAddGrad summing dz (dz's other readers, the MatMul gradients,
    // read it from the fused step's first output as before).
    int b = -1;
    for (size_t j = k + 1; j < plan.steps.size() && b < 0; ++j)
      if (!removed[j] && is(plan.steps[j], "BiasAddGrad", dtype) && plan.steps[j].in_slots[0] == dz &&
          plan.steps[j].node->control_inputs.empty())
        b = static_cast<int>(j);
    if (b < 0) continue;
    // ... and, optionally, the dropout gradient whose only reader is relu's.
    const int g = relu.in_slots[0];
    const int d = g >= 0 && !plan.keep[static_cast<size_t>(g)] && readers.sole(g) == static_cast<int>(k)
                      ? producer[static_cast<size_t>(g)]
                      : -1;
    const bool dropout = d >= 0 && is(plan.steps[static_cast<size_t>(d)], "_FusedDropoutGrad", dtype) &&
                         plan.steps[static_cast<size_t>(d)].node->control_inputs.empty();
    const char* type = dropout ? "_FusedDropoutReluBiasAddGrad" : "_FusedReluBiasAddGrad";
    const kernels::KernelFn* fused = kernels::KernelRegistry::global().find(type, plan.device, dtype);
    if (!fused) continue;
    // The fused step runs where relu's did: its inputs are ready there, and
    // BiasAddGrad's readers come after BiasAddGrad, later still.
    Step f;
    f.type = type;
    f.kernel = fused;
    if (dropout) {
      const Step& dg = plan.steps[static_cast<size_t>(d)];
      f.node = dg.node;  // keep_prob is its attr
      f.in_slots = {dg.in_slots[0], dg.in_slots[1], relu.in_slots[1]};
      removed[static_cast<size_t>(d)] = true;
    } else {
      f.node = relu.node;
      f.in_slots = relu.in_slots;
    }
    f.out_slots = {dz, plan.steps[static_cast<size_t>(b)].out_slots[0]};
    relu = std::move(f);
    removed[static_cast<size_t>(b)] = true;
  }
  erase_removed(plan, removed);
}

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

// Steps whose outputs are always fresh buffers, never an input's: a value
// they compute from a variable is a copy. (Unknown types count as aliasing.)
bool allocates_outputs(const Step& st) {
  return st.type == "MatMul" || st.type == "_FusedMatMul" || st.type == "_FusedMatMulRelu";
}

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
    const bool stable = written.empty() || src.type == "Const" ||
                        (src.type == "VariableV2" && !written.count(src.node->id));
    if (!stable) return false;
  }
  // Slots that may alias the updated variables: their reads, and whatever
  // a step that may forward its input made of them.
  std::vector<bool> alias(static_cast<size_t>(plan.num_slots), false);
  for (size_t j = 0; j < u; ++j) {
    if (removed[j]) continue;
    const Step& st = plan.steps[j];
    bool from_vars = st.type == "VariableV2" && vars.count(st.node->id);
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

// Consts first: they have no data inputs and no effects, so running them
// early changes no value and makes them ready wherever a fused step moves.
void hoist_consts(Plan& plan) {
  std::stable_partition(plan.steps.begin(), plan.steps.end(), [](const Step& st) {
    return st.type == "Const" && st.node->inputs.empty();
  });
}

}  // namespace

void fuse_gradient_products(Plan& plan) {
  hoist_consts(plan);
  const Readers readers(plan);
  std::vector<int> producer = producers(plan);
  const auto& registry = kernels::KernelRegistry::global();
  std::vector<bool> removed(plan.steps.size(), false);
  for (size_t u = 0; u < plan.steps.size(); ++u) {
    Step& update = plan.steps[u];
    const std::optional<int> gi =
        registry.gradient_product_input(update.type, static_cast<int>(update.in_slots.size()));
    if (!gi || update.node->out_dtypes.size() != 1 || update.node->out_dtypes[0] != float32 ||
        update.gradient_product)
      continue;
    // The gradient: a float32 MatMul's product read by this update alone.
    const int g = update.in_slots[static_cast<size_t>(*gi)];
    if (g < 0 || plan.keep[static_cast<size_t>(g)] || readers.sole(g) != static_cast<int>(u)) continue;
    const int k = producer[static_cast<size_t>(g)];
    if (k < 0 || removed[static_cast<size_t>(k)]) continue;
    const Step& mm = plan.steps[static_cast<size_t>(k)];
    if (!is(mm, "MatMul", float32) || !mm.node->control_inputs.empty()) continue;
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
    update.type = "_FusedMatMul" + update.type;
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
