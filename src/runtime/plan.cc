// Plan compilation (prune, order, slots, liveness) and execution.
#include "plan.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "fold.h"
#include "function_calls.h"
#include "fuse.h"
#include "graph/function.h"
#include "graph/graph_impl.h"
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
                                   kernels::SessionState* state, bool optimize,
                                   np::Device device) {
  auto plan = std::make_unique<Plan>();
  plan->device = device;
  plan->graph = &g;
  plan->state = state;
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
    step.kernel = kernels::KernelRegistry::global().find(n.type, device, kd);
    if (!step.kernel)
      throw errors::NotFoundError("No OpKernel was registered to support Op '" + n.type +
                                  "' with these attrs. Registered devices: [" +
                                  std::string(device.type_name()) + "], dtype " +
                                  np::dtype_name(kd) + " (node " + n.name + ")");
    for (const std::string& attr : n.def->function_attrs) {
      const FunctionDef& f = find_function(g, std::get<std::string>(n.attrs.at(attr)), n.name);
      std::vector<Edge> args;
      for (int a : f.args) args.push_back({a, 0});
      args.insert(args.end(), f.fed_values.begin(), f.fed_values.end());
      step.functions.push_back(compile_plan(*f.graph, args, std::vector<std::optional<bool>>(args.size()),
                                            f.results, {}, state, optimize, device));
    }
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
      const bool last_read = s >= 0 && last_use[static_cast<size_t>(s)] == static_cast<int>(k);
      const bool last = last_read && !plan->keep[static_cast<size_t>(s)];
      const bool single = std::count(st.in_slots.begin(), st.in_slots.end(), s) == 1;
      // A fed slot's buffer may be taken over too when the run marks it
      // pooled (a function argument its caller donated); fetched ones never.
      const bool fetched = s >= 0 && std::find(plan->fetch_slots.begin(), plan->fetch_slots.end(), s) !=
                                         plan->fetch_slots.end();
      st.forwardable_ok.push_back((last || (last_read && !fetched)) && single);
      if (last && std::find(st.release.begin(), st.release.end(), s) == st.release.end())
        st.release.push_back(s);
    }
    st.accepts_opaque_layouts = kernels::KernelRegistry::global().accepts_opaque_layouts(st.type, device);
  }
  return plan;
}

Plan::Plan() = default;
Plan::~Plan() = default;

std::unique_ptr<ExecState> Plan::acquire_state() const {
  {
    std::lock_guard<std::mutex> lock(free_mu_);
    if (!free_states_.empty()) {
      std::unique_ptr<ExecState> s = std::move(free_states_.back());
      free_states_.pop_back();
      return s;
    }
  }
  return std::make_unique<ExecState>(*this);
}

void Plan::release_state(std::unique_ptr<ExecState> state) const {
  for (auto& v : state->slots) v = np::Array();
  std::lock_guard<std::mutex> lock(free_mu_);
  free_states_.push_back(std::move(state));
}

size_t Plan::pooled_bytes() const {
  std::lock_guard<std::mutex> lock(free_mu_);
  size_t n = 0;
  for (const auto& s : free_states_) n += s->pool.bytes();
  return n;
}

ExecState::ExecState(const Plan& plan)
    : slots(static_cast<size_t>(plan.num_slots)),
      pooled(static_cast<size_t>(plan.num_slots), false),
      pool(np::device_allocator(plan.device)),
      scalar_feeds(plan.feed_slots.size()),
      step_times(plan.steps.size()),
      function_calls(plan.steps.size()) {
  contexts.reserve(plan.steps.size());
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    const Step& st = plan.steps[k];
    kernels::KernelContext& ctx = contexts.emplace_back(*plan.graph, *st.node, &pool, plan.state);
    if (!st.functions.empty()) {
      function_calls[k] = std::make_unique<FunctionCalls>(st);
      ctx.functions = function_calls[k].get();
    }
    for (int s : st.out_slots) ctx.output_wanted.push_back(s >= 0);
    ctx.gradient_product = st.gradient_product;
    ctx.fused_links = st.links;
    ctx.inputs.assign(st.in_slots.size(), nullptr);
    ctx.forwardable.assign(st.in_slots.size(), false);
    // A fused step may have more outputs than its node (fuse.h).
    ctx.outputs.resize(st.out_slots.size());
    ctx.output_pooled.assign(st.out_slots.size(), false);
  }
}

ExecState::~ExecState() = default;

void ExecState::merge_profile(const Plan& plan, Profile& profile) {
  for (size_t k = 0; k < plan.steps.size(); ++k) {
    OpProfile& t = step_times[k];
    if (!t.calls) continue;
    const Step& st = plan.steps[k];
    OpProfile& p = profile.rows[profile.by_node ? st.type + " " + st.node->name : st.type];
    p.seconds += t.seconds;
    p.calls += t.calls;
    t = OpProfile();
  }
}

void make_plain(ExecState& exec, int slot) {
  np::Array& v = exec.slots[static_cast<size_t>(slot)];
  np::Array plain(exec.pool.acquire(v.nbytes()), 0, v.shape(), v.dtype());
  v.layout()->to_plain(v.layout_data(), plain.raw_data(), v.shape(), v.dtype());
  v = std::move(plain);
  exec.pooled[static_cast<size_t>(slot)] = true;
}

namespace {

// Under ThreadSanitizer (scripts/tsan.sh): kernels with ref inputs update
// variables in place without a lock, racing by design (TF's
// use_locking=false) with other runs that read or update them, so TSan
// ignores their memory accesses; any race it reports is then a bug.
#if defined(__SANITIZE_THREAD__)
#define KPP_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KPP_TSAN 1
#endif
#endif
#ifdef KPP_TSAN
extern "C" void __tsan_ignore_thread_begin();
extern "C" void __tsan_ignore_thread_end();
struct InPlaceUpdateScope {
  explicit InPlaceUpdateScope(const Step& st) : on(!st.node->def->ref_inputs.empty()) {
    if (on) __tsan_ignore_thread_begin();
  }
  ~InPlaceUpdateScope() {
    if (on) __tsan_ignore_thread_end();
  }
  bool on;
};
#else
struct InPlaceUpdateScope {
  explicit InPlaceUpdateScope(const Step&) {}
};
#endif

// Points the step's context at its inputs, converting opaque layouts the
// kernel does not take.
void bind_inputs(const Step& st, ExecState& x, kernels::KernelContext& ctx) {
  for (size_t i = 0; i < st.in_slots.size(); ++i) {
    const int s = st.in_slots[i];
    if (s < 0) continue;
    if (!x.slots[static_cast<size_t>(s)].is_plain() && !st.accepts_opaque_layouts) make_plain(x, s);
    const np::Array& v = x.slots[static_cast<size_t>(s)];
    ctx.inputs[i] = &v;
    ctx.forwardable[i] = st.forwardable_ok[i] && x.pooled[static_cast<size_t>(s)] &&
                         v.storage().use_count() == 2;
  }
}

}  // namespace

void execute_plan(const Plan& plan, ExecState& x, bool profile) {
  size_t k = 0;
  try {
    for (k = 0; k < plan.steps.size(); ++k) {
      const Step& st = plan.steps[k];
      kernels::KernelContext& ctx = x.contexts[k];
      bind_inputs(st, x, ctx);
      const InPlaceUpdateScope in_place(st);
      if (profile) {
        const auto t0 = std::chrono::steady_clock::now();
        (*st.kernel)(ctx);
        x.step_times[k].seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        ++x.step_times[k].calls;
      } else {
        (*st.kernel)(ctx);
      }
      ctx.release_variables();
      for (size_t i = 0; i < st.out_slots.size(); ++i) {
        const int s = st.out_slots[i];
        if (s >= 0) {
          x.slots[static_cast<size_t>(s)] = std::move(ctx.outputs[i]);
          x.pooled[static_cast<size_t>(s)] = ctx.output_pooled[i];
        }
        ctx.outputs[i] = np::Array();
      }
      for (int s : st.release) x.slots[static_cast<size_t>(s)] = np::Array();
    }
  } catch (...) {
    x.failed_step = static_cast<int>(k);
    for (auto& s : x.slots) s = np::Array();
    for (auto& ctx : x.contexts) {
      ctx.release_variables();
      for (auto& o : ctx.outputs) o = np::Array();
    }
    throw;
  }
}

}  // namespace tf::runtime
