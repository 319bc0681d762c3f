// tf::Session: feed checking, the plan cache, fetch hand-over, default
// sessions. Thread-safe: the cache is guarded, plans are immutable, and each
// run executes in an execution state of its own (runtime/plan.h).
#include "graph/graph_impl.h"
#include "keraspp/runtime/session.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <sstream>

#include "plan.h"
#include "thread_governor.h"

namespace tf {

struct SessionImpl {
  Graph graph;
  kernels::SessionState state;
  np::Device device;
  bool optimize_plans = true;
  int intra_op_threads = 0;  // ConfigProto's; 0: the thread governor decides
  // The plan cache. Plans are shared so that close() can drop it while runs
  // in flight still hold theirs.
  std::mutex plans_mu;
  std::map<std::vector<int64_t>, std::shared_ptr<const runtime::Plan>> plans;
  // Runs hold it shared, close() exclusively: close waits for runs in flight.
  std::shared_mutex run_mu;
  std::atomic<bool> closed{false};
  std::atomic<bool> profiling{false};
  std::mutex profile_mu;
  runtime::Profile profile;
};

namespace {

thread_local std::vector<std::shared_ptr<SessionImpl>> t_session_stack;

void check_graph(const SessionImpl& s, const Tensor& t, const char* what) {
  if (!t) throw keraspp::TypeError(std::string(what) + " argument None has invalid type");
  if (t.graph_data() != s.graph.data()) {
    std::ostringstream os;
    os << what << " argument " << t << " cannot be interpreted as a Tensor. (Tensor " << t
       << " is not an element of this graph.)";
    throw keraspp::ValueError(os.str());
  }
  t.dtype();  // ValueError for a node id or output index the graph does not have
}

// The calling thread's OpenMP team size for a run (OpenMP's thread count is
// per calling thread, and any thread may run a session): the session's
// configured size, else the governor's (thread_governor.h); with neither,
// whatever the program set stays.
void set_run_threads(const SessionImpl& s) {
  int threads = s.intra_op_threads;
  if (threads <= 0) {
    runtime::ThreadGovernor& governor = runtime::ThreadGovernor::global();
    if (!governor.enabled()) return;
    threads = governor.threads();
  }
  if (omp_get_max_threads() != threads) omp_set_num_threads(threads);
}

}  // namespace

Session::Session() : Session(get_default_graph()) {}

Session::Session(const ConfigProto& config) : Session(get_default_graph(), config) {}

Session::Session(const Graph& graph, const ConfigProto& config)
    : impl_(std::make_shared<SessionImpl>()) {
  impl_->graph = graph;
  impl_->state.graph_id = graph.data()->id;
  const char* env = std::getenv("KERASPP_PROFILE");
  impl_->profiling = env && (std::string(env) == "1" || std::string(env) == "nodes");
  impl_->profile.by_node = env && std::string(env) == "nodes";
  impl_->optimize_plans = config.optimize_plans;
  impl_->device = np::parse_device(config.device);
  impl_->intra_op_threads = config.intra_op_parallelism_threads;
}

Graph Session::graph() const { return impl_->graph; }

void Session::close() {
  SessionImpl& s = *impl_;
  s.closed = true;
  std::unique_lock<std::shared_mutex> running(s.run_mu);  // waits for runs in flight
  {
    std::lock_guard<std::mutex> lock(s.plans_mu);
    s.plans.clear();
  }
  s.state.variables.clear();
}

namespace {

// One run's signature: the plan cache key and what compile_plan takes.
struct Signature {
  std::vector<int64_t> key;
  std::vector<Edge> fed, fetched;
  std::vector<std::optional<bool>> fed_bools;
  std::vector<int> target_ids;
};

Signature signature(const SessionImpl& s, const std::vector<Tensor>& fetches,
                    const FeedDict& feed_dict, const std::vector<Operation>& targets) {
  Signature sig;
  std::vector<int64_t>& key = sig.key;
  key.reserve(3 * feed_dict.size() + 2 * fetches.size() + targets.size() + 2);
  for (const auto& [t, v] : feed_dict) {
    check_graph(s, t, "Feed");
    sig.fed.push_back({t.node_id(), t.value_index()});
    key.push_back(t.node_id());
    key.push_back(t.value_index());
    // A fed scalar bool (the learning phase) is part of the signature: its
    // plan folds the branches it does not take.
    const bool scalar_bool = t.dtype() == bool_ && v.value.ndim() == 0 && v.value.size() == 1;
    sig.fed_bools.push_back(scalar_bool ? std::optional<bool>(v.value.get_flat(0) != 0) : std::nullopt);
    key.push_back(scalar_bool ? (*sig.fed_bools.back() ? 1 : 0) : -1);
  }
  key.push_back(-1);
  for (const Tensor& t : fetches) {
    check_graph(s, t, "Fetch");
    sig.fetched.push_back({t.node_id(), t.value_index()});
    key.push_back(t.node_id());
    key.push_back(t.value_index());
  }
  key.push_back(-2);
  for (const Operation& op : targets) {
    if (!op) throw keraspp::TypeError("Fetch argument None has invalid type");
    if (op.graph_data() != s.graph.data())
      throw keraspp::ValueError("Fetch argument <tf.Operation '" + op.name() +
                                "'> cannot be interpreted as a Tensor. (Operation is not an "
                                "element of this graph.)");
    op.name();  // ValueError for a node id the graph does not have
    sig.target_ids.push_back(op.node_id());
    key.push_back(op.node_id());
  }
  return sig;
}

// The cached plan of `sig`, compiled on first use. Compiling happens outside
// the cache's lock (under the graph's); when two threads compile one
// signature at once, the first to finish is cached and both run it.
std::shared_ptr<const runtime::Plan> plan_for(SessionImpl& s, const Signature& sig) {
  {
    std::lock_guard<std::mutex> lock(s.plans_mu);
    auto it = s.plans.find(sig.key);
    if (it != s.plans.end()) return it->second;
  }
  std::shared_ptr<const runtime::Plan> compiled;
  {
    // Compiling reads the whole graph: no thread may add ops meanwhile.
    std::lock_guard<std::recursive_mutex> building(s.graph.data()->build_mu);
    compiled = runtime::compile_plan(*s.graph.data(), sig.fed, sig.fed_bools, sig.fetched,
                                     sig.target_ids, &s.state, s.optimize_plans, s.device);
  }
  std::lock_guard<std::mutex> lock(s.plans_mu);
  return s.plans.emplace(sig.key, std::move(compiled)).first->second;
}

// A fed number must have a value of an integer placeholder's dtype: NaN,
// inf and out-of-range numbers are TypeError (TF's wording for a value it
// cannot convert), never a wrapped or undefined cast. Floats round as numpy.
void check_number_fits(double x, const Tensor& t) {
  double lo = 0, hi = 0;
  switch (t.dtype()) {
    case np::int32: lo = -0x1p31, hi = 0x1p31; break;
    case np::int64: lo = -0x1p63, hi = 0x1p63; break;
    case np::uint8: lo = 0, hi = 256; break;
    default: return;
  }
  if (!(x >= lo && x < hi)) {  // false for NaN
    std::ostringstream v;
    v << x;
    throw keraspp::TypeError("Cannot convert " + v.str() + " to dtype " + np::dtype_name(t.dtype()) +
                             " for Tensor '" + t.name() + "'");
  }
}

// Checks feeds (dtype and shape against the fed tensor's) and puts them in
// their slots; fed numbers are converted in exec's scalar buffers.
void bind_feeds(const runtime::Plan& plan, runtime::ExecState& exec, const FeedDict& feed_dict) {
  for (size_t i = 0; i < feed_dict.size(); ++i) {
    const auto& [t, v] = feed_dict[i];
    const np::Array* value = &v.value;
    if (v.is_scalar && v.value.dtype() != t.dtype()) {
      np::Array& buf = exec.scalar_feeds[i];
      if (buf.empty_storage() || buf.dtype() != t.dtype()) buf = np::Array::empty({}, t.dtype());
      check_number_fits(v.value.get_flat(0), t);
      buf.set_flat(0, v.value.get_flat(0));
      value = &buf;
    }
    if (value->dtype() != t.dtype())
      throw keraspp::TypeError("Cannot feed value of dtype " + np::dtype_name(value->dtype()) +
                               " for Tensor '" + t.name() + "', which has dtype " +
                               np::dtype_name(t.dtype()));
    if (!t.shape().is_compatible_with(value->shape()))
      throw keraspp::ValueError("Cannot feed value of shape " + np::shape_str(value->shape()) +
                                " for Tensor '" + t.name() + "', which has shape '" +
                                t.shape().str() + "'");
    exec.slots[static_cast<size_t>(plan.feed_slots[i])] = *value;
    exec.pooled[static_cast<size_t>(plan.feed_slots[i])] = false;
  }
}

// Hands pool-owned results over (plain: converted at this edge); copies
// those that alias constants, variables, feeds or another fetch, so later
// steps cannot change what the caller holds.
std::vector<np::Array> fetch_results(const runtime::Plan& plan, runtime::ExecState& exec) {
  std::vector<np::Array> out;
  out.reserve(plan.fetch_slots.size());
  for (size_t i = 0; i < plan.fetch_slots.size(); ++i) {
    const int slot = plan.fetch_slots[i];
    if (!exec.slots[static_cast<size_t>(slot)].is_plain()) runtime::make_plain(exec, slot);
    const np::Array& v = exec.slots[static_cast<size_t>(slot)];
    const bool again = std::find(plan.fetch_slots.begin() + static_cast<long>(i) + 1,
                                 plan.fetch_slots.end(), slot) != plan.fetch_slots.end();
    out.push_back(exec.pooled[static_cast<size_t>(slot)] && !again ? v : v.copy());
  }
  return out;
}

}  // namespace

std::vector<np::Array> Session::run(const std::vector<Tensor>& fetches, const FeedDict& feed_dict,
                                    const std::vector<Operation>& targets) {
  SessionImpl& s = *impl_;
  std::shared_lock<std::shared_mutex> running(s.run_mu);
  if (s.closed) throw keraspp::ValueError("Attempted to use a closed Session.");
  const Signature sig = signature(s, fetches, feed_dict, targets);
  const std::shared_ptr<const runtime::Plan> plan = plan_for(s, sig);
  runtime::ExecLease exec(*plan);
  bind_feeds(*plan, *exec, feed_dict);
  set_run_threads(s);
  s.state.step.fetch_add(1, std::memory_order_relaxed);
  const bool profiling = s.profiling.load(std::memory_order_relaxed);
  runtime::execute_plan(*plan, *exec, profiling);
  if (profiling) {
    std::lock_guard<std::mutex> lock(s.profile_mu);
    exec->merge_profile(*plan, s.profile);
  }
  return fetch_results(*plan, *exec);
}

np::Array Session::run(const Tensor& fetch, const FeedDict& feed_dict) {
  return run(std::vector<Tensor>{fetch}, feed_dict, {})[0];
}

void Session::run(const Operation& target, const FeedDict& feed_dict) {
  run(std::vector<Tensor>{}, feed_dict, {target});
}

std::vector<np::Array> Session::run(const std::vector<Operation>& targets,
                                    const std::vector<Tensor>& fetches, const FeedDict& feed_dict) {
  return run(fetches, feed_dict, targets);
}

void Session::set_profiling(bool on) { impl_->profiling = on; }

std::string Session::profile_report() const {
  std::unique_lock<std::mutex> lock(impl_->profile_mu);
  std::vector<std::pair<std::string, runtime::OpProfile>> rows(impl_->profile.rows.begin(),
                                                               impl_->profile.rows.end());
  lock.unlock();
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
  double total = 0;
  for (const auto& r : rows) total += r.second.seconds;
  std::ostringstream os;
  char line[512];
  std::snprintf(line, sizeof line, "%-34s %10s %12s %7s\n", impl_->profile.by_node ? "op node" : "op",
                "calls", "total ms", "share");
  os << line;
  for (const auto& [type, p] : rows) {
    std::snprintf(line, sizeof line, "%-34s %10llu %12.3f %6.1f%%\n", type.c_str(),
                  static_cast<unsigned long long>(p.calls), p.seconds * 1e3,
                  total > 0 ? 100 * p.seconds / total : 0.0);
    os << line;
  }
  return os.str();
}

size_t Session::num_cached_plans() const {
  std::lock_guard<std::mutex> lock(impl_->plans_mu);
  return impl_->plans.size();
}

size_t Session::pooled_bytes() const {
  std::lock_guard<std::mutex> lock(impl_->plans_mu);
  size_t n = 0;
  for (const auto& [k, p] : impl_->plans) n += p->pooled_bytes();
  return n;
}

Session::DefaultGuard::DefaultGuard(const Session& s) : graph_guard_(s.graph()) {
  t_session_stack.push_back(s.impl());
}
Session::DefaultGuard::~DefaultGuard() { t_session_stack.pop_back(); }

bool has_default_session() { return !t_session_stack.empty(); }

Session get_default_session() {
  if (t_session_stack.empty())
    throw keraspp::ValueError(
        "Cannot evaluate tensor using `eval()`: No default session is registered. Use `with "
        "sess.as_default()` or pass an explicit session to `eval(session=sess)`");
  return Session::wrap(t_session_stack.back());
}

Session Session::wrap(std::shared_ptr<SessionImpl> impl) {
  Session s(ConfigProto{});
  s.impl_ = std::move(impl);
  return s;
}

// Defined here (declared in graph.h): eval/run use the default session.
np::Array Tensor::eval(const FeedDict& feed_dict) const {
  return get_default_session().run(*this, feed_dict);
}

void Operation::run(const FeedDict& feed_dict) const {
  if (t_session_stack.empty())
    throw keraspp::ValueError(
        "Cannot execute operation using `run()`: No default session is registered. Use `with "
        "sess.as_default():` or pass an explicit session to `run(session=sess)`");
  get_default_session().run(*this, feed_dict);
}

}  // namespace tf
