// Kernels: the per-(op, device, dtype) implementations the runtime calls.
// A kernel reads inputs and writes outputs through a KernelContext; output
// buffers come from the runtime's pool so steady-state steps allocate nothing.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "graph/graph_impl.h"
#include "keraspp/graph/graph.h"

namespace tf::kernels {

// Recycles the buffers of one execution state of a plan: a storage is free
// when the pool is its only owner (use_count 1), so a fetched result handed
// to the user is simply not reused until the user drops it. Buffers come
// from the plan's device allocator. Not thread-safe: each concurrent run has
// its own pool (runtime/plan.h).
class BufferPool {
 public:
  explicit BufferPool(np::Allocator& allocator = np::host_allocator()) : allocator_(&allocator) {}
  std::shared_ptr<np::Storage> acquire(size_t bytes);
  size_t size() const { return entries_.size(); }
  size_t bytes() const;
  np::Allocator& allocator() const { return *allocator_; }

 private:
  np::Allocator* allocator_;
  std::vector<std::shared_ptr<np::Storage>> entries_;
};

// Variable values by variable node id, shared by all runs of a session. A
// value is a handle (buffer, shape, dtype) that never changes once
// published: optimizer kernels update its elements in place without a lock,
// so concurrent training steps interleave element updates as TF's
// use_locking=false ones do; replacing a value (a first or reshaping
// assignment) publishes a new handle, and runs still holding the old one
// keep its buffer alive. Every method is thread-safe.
class VariableStore {
 public:
  using Value = std::shared_ptr<const np::Array>;
  // The current value; null when the variable is uninitialized.
  Value get(int id) const;
  bool contains(int id) const;
  // Publishes `value` as the variable's value and returns it.
  Value set(int id, np::Array value);
  void clear();
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::map<int, Value> values_;
};

// Per-session state kernels may touch, shared by concurrent runs.
struct SessionState {
  VariableStore variables;
  // Runs started; keys nothing yet, counted for introspection.
  std::atomic<uint64_t> step{0};
  uint64_t graph_id = 0;

  // Reserves `blocks` Philox blocks of random op `node`'s stream for one run
  // and returns the first: runs continue one stream (concurrent runs get
  // disjoint blocks) and a new session replays it from 0.
  uint64_t reserve_random_blocks(int node, uint64_t blocks);

 private:
  std::mutex random_mu_;
  std::map<int, uint64_t> random_counters_;
};

// Runs the functions (If branches, While cond and body) of a control-flow
// step, each compiled by the runtime into a nested plan with execution
// states of the step's own run (runtime/function_calls.h).
class FunctionRunner {
 public:
  virtual ~FunctionRunner() = default;
  // Runs function `f` (the step's f-th function attr) on `args`, one per
  // argument, setting results[i] to result i and pooled[i] to whether it is
  // a buffer of the run's pools (else it aliases an argument, a constant or
  // a variable). The vectors must hold one entry per result. An error names
  // `context` (the loop or cond) and the op that failed. `donated`, when
  // given (one entry per argument), holds buffers the caller hands over in
  // place of *args[i] (non-empty entries; moved from): a loop's own
  // variables, buffers of this runner's pools, which the function may then
  // update in place (a TensorArray write inside a loop body).
  virtual void call(int f, const std::vector<const np::Array*>& args, std::vector<np::Array>& results,
                    std::vector<bool>& pooled, const std::string& context,
                    std::vector<np::Array>* donated = nullptr) = 0;
};

class KernelContext {
 public:
  KernelContext(const GraphData& graph, const Node& node, BufferPool* pool, SessionState* state)
      : graph_(graph), node_(node), pool_(pool), state_(state) {
    held_.reserve(kHeldVariables);
  }

  const Node& node() const { return node_; }
  // The node producing input i (a variable for ref inputs).
  const Node& input_node(int i) const {
    return graph_.nodes[static_cast<size_t>(node_.inputs.at(static_cast<size_t>(i)).node)];
  }
  const std::string& op_name() const { return node_.name; }
  int num_inputs() const { return static_cast<int>(inputs.size()); }
  const np::Array& input(int i) const { return *inputs[static_cast<size_t>(i)]; }
  template <class T> const T& attr(const std::string& name) const;
  bool has_attr(const std::string& name) const { return node_.attrs.count(name) > 0; }

  // A fresh (pooled) output buffer.
  np::Array& allocate_output(int i, const np::Shape& shape, DType dtype);
  // One holding the output in a kernel-private layout (np::Layout); only
  // kernels registered as taking opaque layouts may read it back.
  np::Array& allocate_output(int i, const np::Shape& shape, DType dtype,
                             std::shared_ptr<const np::Layout> layout);
  // Reuses input `in`'s buffer for output `out` when the runtime marked it
  // forwardable (its last use, pool-owned) and size/dtype match; else allocates.
  np::Array& forward_input_or_allocate(int in, int out, const np::Shape& shape, DType dtype);
  // Output `out` is input `in` itself (an op that is the identity on this
  // input): the runtime may still recycle it when the input was forwardable.
  void forward_input(int in, int out);
  // The same, viewed with another shape of the same size (reshapes).
  void forward_input(int in, int out, const np::Shape& shape);
  // Sets an output that aliases existing memory (identity, variable reads).
  void set_output(int i, np::Array a);
  // Sets an output a nested plan made: `pooled` when it is a buffer of one
  // of the run's pools (recyclable and handed to the caller without a copy).
  void set_output(int i, np::Array a, bool pooled);
  SessionState& state() const { return *state_; }

  // Variable `id`'s value, held until the kernel returns, so that a
  // concurrent run replacing it cannot free it under the kernel; null when
  // the variable is uninitialized.
  const np::Array* variable(int id);
  // Publishes `value` as variable id's value; returns it, held likewise.
  const np::Array& set_variable(int id, np::Array value);
  // Drops the held values (the runtime, after each call).
  void release_variables() { held_.clear(); }

  // Set on an optimizer update step fused with the MatMul that computes its
  // gradient (src/runtime/fuse.h): input `input` then holds that MatMul's a,
  // the step's extra last input its b, and the update kernel computes the
  // gradient op(a) . op(b) a block of rows at a time, each block updated
  // while it is in cache (kernels/cpu/fused_update.h).
  struct GradientProduct {
    int input;
    bool transpose_a, transpose_b;
    const Node* matmul;  // the fused MatMul, named by the product's errors
  };
  std::optional<GradientProduct> gradient_product;
  // A fused step's chain of nodes in link order (src/runtime/fuse.h), so its
  // kernel reads every link's attrs; node() is link 0.
  std::vector<const Node*> fused_links;

  // The step's compiled functions (control-flow ops only; else null).
  FunctionRunner* functions = nullptr;
  // Whether anything reads output i (a kernel may skip work for the others).
  std::vector<bool> output_wanted;

  // Filled by the runtime before each call.
  std::vector<const np::Array*> inputs;
  std::vector<bool> forwardable;
  std::vector<np::Array> outputs;
  // Whether output i was taken from the pool (recyclable) or aliases memory
  // the runtime does not own (constants, variables, feeds).
  std::vector<bool> output_pooled;

 private:
  const GraphData& graph_;
  const Node& node_;
  BufferPool* pool_;
  SessionState* state_;
  // Values one kernel call holds without allocating (an update holds its
  // variable and slots, some twice); past it the vector grows once.
  static constexpr size_t kHeldVariables = 8;
  std::vector<VariableStore::Value> held_;
};

using KernelFn = std::function<void(KernelContext&)>;

// Kernels by (op, device, dtype). Registration happens at start-up (static
// initialisers); lookups may then run on any number of threads.
class KernelRegistry {
 public:
  static KernelRegistry& global();
  // dtype: the node's first output dtype (or first input's when it has no
  // outputs); nullopt registers for every dtype. `device` is a device
  // spelling (np::parse_device), e.g. the CPU's "CPU".
  void add(const std::string& op, const std::string& device, std::optional<DType> dtype,
           KernelFn fn);
  void add(const std::string& op, np::Device device, std::optional<DType> dtype, KernelFn fn);
  // Null when none is registered.
  const KernelFn* find(const std::string& op, np::Device device, DType dtype) const;
  bool has_any(const std::string& op) const;
  // Marks op's kernels on `device` as reading inputs in any layout
  // (np::Layout): the runtime hands them such inputs unconverted. Others see
  // only plain inputs.
  void accept_opaque_layouts(const std::string& op, np::Device device);
  bool accepts_opaque_layouts(const std::string& op, np::Device device) const;

 private:
  std::map<std::tuple<std::string, int, int>, KernelFn> fns_;  // (op, device type, dtype or -1)
  std::map<std::pair<std::string, int>, bool> opaque_layouts_;
};

// The dtype a node's kernel is selected by.
DType kernel_dtype(const Node& node, const std::vector<DType>& input_dtypes);

struct KernelRegistrar {
  KernelRegistrar(const std::string& op, const std::string& device, std::optional<DType> dtype,
                  KernelFn fn) {
    KernelRegistry::global().add(op, device, dtype, std::move(fn));
  }
};
#define KPP_REGISTER_KERNEL(op, device, dtype, fn)                                   \
  static ::tf::kernels::KernelRegistrar KPP_KCONCAT(kpp_kernel_registrar_, __COUNTER__)( \
      op, device, dtype, fn)
#define KPP_KCONCAT_INNER(a, b) a##b
#define KPP_KCONCAT(a, b) KPP_KCONCAT_INNER(a, b)

template <class T> const T& KernelContext::attr(const std::string& name) const {
  auto it = node_.attrs.find(name);
  if (it == node_.attrs.end())
    throw errors::InvalidArgumentError("Kernel for '" + node_.name + "' is missing attr '" +
                                       name + "'");
  return std::get<T>(it->second);
}

}  // namespace tf::kernels
