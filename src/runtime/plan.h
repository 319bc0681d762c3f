// An executable plan: the pruned, ordered steps of one run signature, with
// value slots and their liveness, and the per-run execution states that let
// any number of threads run it at once. Internal to the runtime.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kernels/kernel.h"

namespace tf::runtime {

struct Step {
  const Node* node;
  std::string type;  // the node's op type, or the fused kernel's (fuse.h)
  const kernels::KernelFn* kernel;
  std::vector<int> in_slots;   // one per input; -1 for an uninitialized-tolerant ref
  std::vector<int> out_slots;  // one per output; -1 when nothing reads it
  std::vector<int> release;    // slots whose last reader is this step
  std::vector<bool> forwardable_ok;  // input may be forwarded (last use, single reader)
  // An update computing its gradient's MatMul itself (fuse.h).
  std::optional<kernels::KernelContext::GradientProduct> gradient_product;
  // The kernel reads inputs in opaque layouts (np::Layout); for the others
  // the runtime converts such inputs to plain first.
  bool accepts_opaque_layouts = false;
  // A control-flow op's functions (OpDef::function_attrs), compiled.
  std::vector<std::shared_ptr<const struct Plan>> functions;
  // A fused step's chain, in link order (its kernel may read any link's
  // attrs: KernelContext::fused_links); empty for an unfused step.
  std::vector<const Node*> links;
};

struct ExecState;
class FunctionCalls;

// The compiled plan: immutable after compile_plan, shared by every run of
// its signature on any thread. What a run writes lives in an ExecState.
struct Plan {
  std::vector<Step> steps;
  int num_slots = 0;
  std::vector<int> feed_slots;   // slot of each feed, in the signature's feed order
  std::vector<int> fetch_slots;  // slot of each fetch
  std::vector<bool> keep;        // fetched or fed: never recycled in the step
  np::Device device = np::kCpuDevice;  // where its kernels run and its buffers live
  const GraphData* graph = nullptr;
  kernels::SessionState* state = nullptr;

  Plan();
  ~Plan();
  // An idle execution state, or a new one when every state is in use (one
  // per concurrent run; a single-threaded loop reuses one).
  std::unique_ptr<ExecState> acquire_state() const;
  // Hands a state back (cleared) for the next run.
  void release_state(std::unique_ptr<ExecState> state) const;
  // Bytes held in the buffer pools of the idle states.
  size_t pooled_bytes() const;

 private:
  mutable std::mutex free_mu_;
  mutable std::vector<std::unique_ptr<ExecState>> free_states_;
};

// Time spent per op type, gathered when profiling is on.
struct OpProfile {
  double seconds = 0;
  uint64_t calls = 0;
};
struct Profile {
  bool by_node = false;  // rows per node ("Type name") instead of per op type
  std::map<std::string, OpProfile> rows;
};

// What one run of a plan writes: value slots, the kernels' contexts (inputs
// and outputs), the buffer pool recycling its intermediates, the buffers
// fed scalars are converted into, and per-step times when profiling.
struct ExecState {
  explicit ExecState(const Plan& plan);
  std::vector<np::Array> slots;
  std::vector<bool> pooled;  // slot holds a pool-owned buffer
  std::vector<kernels::KernelContext> contexts;  // one per step
  kernels::BufferPool pool;
  std::vector<np::Array> scalar_feeds;  // one per feed
  std::vector<OpProfile> step_times;    // one per step
  // The nested states of control-flow steps (null for other steps).
  std::vector<std::unique_ptr<FunctionCalls>> function_calls;
  // The step whose kernel threw, for errors raised from a function body.
  int failed_step = -1;
  ~ExecState();

  // Adds step_times into `profile` and zeroes them.
  void merge_profile(const Plan& plan, Profile& profile);
};

// RAII: an execution state of `plan` for one run, given back at scope exit.
class ExecLease {
 public:
  explicit ExecLease(const Plan& plan) : plan_(plan), state_(plan.acquire_state()) {}
  ~ExecLease() { plan_.release_state(std::move(state_)); }
  ExecLease(const ExecLease&) = delete;
  ExecLease& operator=(const ExecLease&) = delete;
  ExecState& operator*() const { return *state_; }
  ExecState* operator->() const { return state_.get(); }

 private:
  const Plan& plan_;
  std::unique_ptr<ExecState> state_;
};

// Builds a plan for fetching `fetches` with `fed` tensors fed and `targets`
// run on `device`; fed_bools[i] is the value of feed i when it is a scalar
// bool. With `optimize`, the plan is specialised on those values (fold.h)
// and fuses ops (fuse.h). Throws for unknown kernels.
std::unique_ptr<Plan> compile_plan(const GraphData& g, const std::vector<Edge>& fed,
                                   const std::vector<std::optional<bool>>& fed_bools,
                                   const std::vector<Edge>& fetches,
                                   const std::vector<int>& targets,
                                   kernels::SessionState* state, bool optimize = true,
                                   np::Device device = np::kCpuDevice);

// Runs a compiled plan in `exec`; slots for feeds must be set before. With
// `profile`, each kernel call is timed into exec.step_times (off: no clock
// reads at all).
void execute_plan(const Plan& plan, ExecState& exec, bool profile = false);

// Converts slot `slot` of `exec` from an opaque layout to plain, into a
// buffer of exec's pool (the edge before a fetch or a plain kernel).
void make_plain(ExecState& exec, int slot);

}  // namespace tf::runtime
