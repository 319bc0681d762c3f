// tf::Session: runs a graph. Variable values live here. Each distinct
// (feeds, fetches, targets) signature compiles once into a cached plan:
// pruned to what the fetches need, in topological order, with buffers
// recycled by liveness so a steady-state step allocates no buffers.
// run() is thread-safe, as TensorFlow's: any number of threads may run one
// session (and one cached plan) at once, each run in its own execution
// state. Concurrent training steps on the same variables interleave their
// element updates as TF's use_locking=false updates do.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "keraspp/graph/graph.h"

namespace tf {

struct SessionImpl;

struct ConfigProto {
  // Threads for oneDNN and our OpenMP loops; 0 = OMP_NUM_THREADS / all cores.
  int intra_op_parallelism_threads = 0;
  // Plan rewrites, as Grappler's: branches of a known learning phase folded
  // away, MatMul + BiasAdd (+ Relu) fused. false runs the graph as built.
  bool optimize_plans = true;
  // The device kernels run on, in TF's spelling ("/cpu:0", "/device:CPU:0",
  // "CPU"); CPU is the only one built in.
  std::string device = np::kCpuDevice.str();
};

class Session {
 public:
  // A session on the default graph.
  Session();
  explicit Session(const Graph& graph, const ConfigProto& config = {});
  explicit Session(const ConfigProto& config);

  // Fetches tensors' values (copies where they alias session state) after
  // running `targets` and everything the fetches need.
  std::vector<np::Array> run(const std::vector<Tensor>& fetches, const FeedDict& feed_dict = {},
                             const std::vector<Operation>& targets = {});
  np::Array run(const Tensor& fetch, const FeedDict& feed_dict = {});
  void run(const Operation& target, const FeedDict& feed_dict = {});
  // Runs targets and returns the fetched values.
  std::vector<np::Array> run(const std::vector<Operation>& targets,
                             const std::vector<Tensor>& fetches, const FeedDict& feed_dict = {});

  Graph graph() const;
  // Frees the session's plans and variable values. Runs in flight on other
  // threads finish first; later runs raise ValueError.
  void close();

  // RAII: makes this the thread's default session (for eval()/run()).
  class [[nodiscard]] DefaultGuard {
   public:
    [[nodiscard]] explicit DefaultGuard(const Session& s);
    ~DefaultGuard();
    DefaultGuard(const DefaultGuard&) = delete;
    DefaultGuard& operator=(const DefaultGuard&) = delete;

   private:
    Graph::DefaultGuard graph_guard_;
  };
  DefaultGuard as_default() const { return DefaultGuard(*this); }

  // Per-op-type kernel time, for finding where a step's time goes. Off by
  // default; also on when the environment sets KERASPP_PROFILE=1, and per
  // node ("Type node/name" rows) with KERASPP_PROFILE=nodes.
  void set_profiling(bool on);
  // "op type, calls, total ms, share" rows, slowest first.
  std::string profile_report() const;

  // Introspection for tests and benchmarks.
  size_t num_cached_plans() const;
  // Bytes held in the buffer pools of the plans' idle execution states.
  size_t pooled_bytes() const;

  const std::shared_ptr<SessionImpl>& impl() const { return impl_; }
  // Another handle on an existing session.
  static Session wrap(std::shared_ptr<SessionImpl> impl);

 private:
  std::shared_ptr<SessionImpl> impl_;
};

// The thread's default session; ValueError when there is none (as TF).
Session get_default_session();
bool has_default_session();

}  // namespace tf
