// Plan compilation (prune, order, slots, liveness) and execution.
#include "plan.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "fold.h"
#include "fuse.h"
#include "keraspp/graph/op_registry.h"

namespace tf::runtime {

namespace {

int64_t edge_key(const Edge& e) { return (static_cast<int64_t>(e.node) << 16) | e.index; }

bool is_ref_input(const Node& n, size_t i) {
  const auto& r = n.def->ref_inputs;
  return std::find(r.begin(), r.end(), static_cast<int>(i)) != r.end();
}

}  // namespace

std::unique_ptr<Plan> compile_plan(const GraphData& g, const std::vector<Edge>& fed,
                                   const std::vector<std::optional<bool>>& fed_bools,
                                   const std::vector<Edge>& fetches,
                                   const std::vector<int>& targets,
                                   kernels::SessionState* state, bool optimize) {
  auto plan = std::make_unique<Plan>();
  std::map<int64_t, int> slot_of;
  auto slot_for = [&](const Edge& e) {
    auto [it, added] = slot_of.emplace(edge_key(e), plan->num_slots);
    if (added) ++plan->num_slots;
    return it->second;
  };
  for (const Edge& e : fed) plan->feed_slots.push_back(slot_for(e));
  const Folding folding(g, fed, optimize ? fed_bools : std::vector<std::optional<bool>>(fed.size()));
  std::vector<std::vector<Edge>> inputs_of(g.nodes.size());

  // Prune: walk back from fetches and targets (iteratively), stopping at feeds.
  std::vector<char> needed(g.nodes.size(), 0);
  std::vector<int> stack;
  for (const Edge& f : fetches)
    if (const Edge e = folding.resolve(f); !slot_of.count(edge_key(e))) stack.push_back(e.node);
  stack.insert(stack.end(), targets.begin(), targets.end());
  while (!stack.empty()) {
    const int id = stack.back();
    stack.pop_back();
    if (needed[static_cast<size_t>(id)]) continue;
    needed[static_cast<size_t>(id)] = 1;
    const Node& n = g.nodes[static_cast<size_t>(id)];
    inputs_of[static_cast<size_t>(id)] = folding.inputs(n);
    const std::vector<Edge>& inputs = inputs_of[static_cast<size_t>(id)];
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Edge& e = inputs[i];
      // During pruning slot_of holds only the fed edges.
      if (is_ref_input(n, i) || slot_of.count(edge_key(e))) continue;
      stack.push_back(e.node);
    }
    for (int c : n.control_inputs) stack.push_back(c);
  }

  // Inputs always precede their consumers in node order, so ascending ids
  // are a topological order.
  for (size_t id = 0; id < g.nodes.size(); ++id) {
    if (!needed[id]) continue;
    const Node& n = g.nodes[id];
    Step step;
    step.node = &n;
    step.type = n.type;
    std::vector<DType> in_dtypes;
    const std::vector<Edge>& inputs = inputs_of[id];
    for (size_t i = 0; i < inputs.size(); ++i) {
      const Edge& e = inputs[i];
      in_dtypes.push_back(g.nodes[static_cast<size_t>(e.node)].out_dtypes[static_cast<size_t>(e.index)]);
      step.in_slots.push_back(is_ref_input(n, i) ? -1 : slot_for(e));
    }
    const DType kd = kernels::kernel_dtype(n, in_dtypes);
    step.kernel = kernels::KernelRegistry::global().find(n.type, "CPU", kd);
    if (!step.kernel)
      throw errors::NotFoundError("No OpKernel was registered to support Op '" + n.type +
                                  "' with these attrs. Registered devices: [CPU], dtype " +
                                  np::dtype_name(kd) + " (node " + n.name + ")");
    plan->steps.push_back(std::move(step));
  }
  for (const Edge& e : fetches) plan->fetch_slots.push_back(slot_for(folding.resolve(e)));
  for (Step& s : plan->steps)
    for (size_t i = 0; i < s.node->out_dtypes.size(); ++i) {
      auto it = slot_of.find(edge_key({s.node->id, static_cast<int>(i)}));
      s.out_slots.push_back(it == slot_of.end() ? -1 : it->second);
    }

  // Fed and fetched slots are kept for the whole step.
  plan->keep.assign(static_cast<size_t>(plan->num_slots), false);
  for (int s : plan->feed_slots) plan->keep[static_cast<size_t>(s)] = true;
  for (int s : plan->fetch_slots) plan->keep[static_cast<size_t>(s)] = true;
  if (optimize) {
    fuse_chains(*plan);
    fuse_gradient_products(*plan);
  }

  // Liveness: a slot is released after its last reader, unless kept.
  std::vector<int> last_use(static_cast<size_t>(plan->num_slots), -1);
  for (size_t k = 0; k < plan->steps.size(); ++k)
    for (int s : plan->steps[k].in_slots)
      if (s >= 0) last_use[static_cast<size_t>(s)] = static_cast<int>(k);
  for (size_t k = 0; k < plan->steps.size(); ++k) {
    Step& st = plan->steps[k];
    for (int s : st.out_slots)  // produced but never read: drop right away
      if (s >= 0 && last_use[static_cast<size_t>(s)] < 0 && !plan->keep[static_cast<size_t>(s)])
        st.release.push_back(s);
    for (int s : st.in_slots) {
      const bool last = s >= 0 && last_use[static_cast<size_t>(s)] == static_cast<int>(k) &&
                        !plan->keep[static_cast<size_t>(s)];
      const bool single = std::count(st.in_slots.begin(), st.in_slots.end(), s) == 1;
      st.forwardable_ok.push_back(last && single);
      if (last && std::find(st.release.begin(), st.release.end(), s) == st.release.end())
        st.release.push_back(s);
    }
    st.ctx = std::make_unique<kernels::KernelContext>(g, *st.node, &plan->pool, state);
    st.ctx->gradient_product = st.gradient_product;
    st.ctx->inputs.assign(st.in_slots.size(), nullptr);
    st.ctx->forwardable.assign(st.in_slots.size(), false);
    // A fused step may have more outputs than its node (fuse.h).
    st.ctx->outputs.resize(st.out_slots.size());
    st.ctx->output_pooled.assign(st.out_slots.size(), false);
  }
  plan->slots.resize(static_cast<size_t>(plan->num_slots));
  plan->pooled.assign(static_cast<size_t>(plan->num_slots), false);
  return plan;
}

void execute_plan(Plan& plan, kernels::SessionState& state, Profile* profile) {
  (void)state;
  try {
    for (Step& st : plan.steps) {
      kernels::KernelContext& ctx = *st.ctx;
      for (size_t i = 0; i < st.in_slots.size(); ++i) {
        const int s = st.in_slots[i];
        if (s < 0) continue;
        const np::Array& v = plan.slots[static_cast<size_t>(s)];
        ctx.inputs[i] = &v;
        ctx.forwardable[i] = st.forwardable_ok[i] && plan.pooled[static_cast<size_t>(s)] &&
                             v.storage().use_count() == 2;
      }
      if (profile) {
        const auto t0 = std::chrono::steady_clock::now();
        (*st.kernel)(ctx);
        OpProfile& p = profile->rows[profile->by_node ? st.type + " " + st.node->name : st.type];
        p.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ++p.calls;
      } else {
        (*st.kernel)(ctx);
      }
      for (size_t i = 0; i < st.out_slots.size(); ++i) {
        const int s = st.out_slots[i];
        if (s >= 0) {
          plan.slots[static_cast<size_t>(s)] = std::move(ctx.outputs[i]);
          plan.pooled[static_cast<size_t>(s)] = ctx.output_pooled[i];
        }
        ctx.outputs[i] = np::Array();
      }
      for (int s : st.release) plan.slots[static_cast<size_t>(s)] = np::Array();
    }
  } catch (...) {
    for (auto& s : plan.slots) s = np::Array();
    for (Step& st : plan.steps)
      for (auto& o : st.ctx->outputs) o = np::Array();
    throw;
  }
}

}  // namespace tf::runtime
