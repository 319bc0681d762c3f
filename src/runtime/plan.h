// An executable plan: the pruned, ordered steps of one run signature, with
// value slots and their liveness. Internal to the runtime.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keraspp/kernels/kernel.h"

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
  std::unique_ptr<kernels::KernelContext> ctx;
};

struct Plan {
  std::vector<Step> steps;
  int num_slots = 0;
  std::vector<int> feed_slots;   // slot of each feed, in the signature's feed order
  std::vector<int> fetch_slots;  // slot of each fetch
  std::vector<np::Array> slots;
  std::vector<bool> pooled;      // slot holds a pool-owned buffer
  std::vector<bool> keep;        // fetched or fed: never recycled in the step
  kernels::BufferPool pool;
};

// Builds a plan for fetching `fetches` with `fed` tensors fed and `targets`
// run; fed_bools[i] is the value of feed i when it is a scalar bool. With
// `optimize`, the plan is specialised on those values (fold.h) and fuses
// ops (fuse.h). Throws for unknown kernels.
std::unique_ptr<Plan> compile_plan(const GraphData& g, const std::vector<Edge>& fed,
                                   const std::vector<std::optional<bool>>& fed_bools,
                                   const std::vector<Edge>& fetches,
                                   const std::vector<int>& targets,
                                   kernels::SessionState* state, bool optimize = true);

// Time spent per op type, gathered when profiling is on.
struct OpProfile {
  double seconds = 0;
  uint64_t calls = 0;
};
struct Profile {
  bool by_node = false;  // rows per node ("Type name") instead of per op type
  std::map<std::string, OpProfile> rows;
};

// Runs a compiled plan; slots for feeds must be set before. With `profile`,
// each kernel call is timed into it (off: no clock reads at all).
void execute_plan(Plan& plan, kernels::SessionState& state, Profile* profile = nullptr);

}  // namespace tf::runtime
