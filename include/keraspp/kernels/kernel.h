// Kernels: the per-(op, device, dtype) implementations the runtime calls.
// A kernel reads inputs and writes outputs through a KernelContext; output
// buffers come from the runtime's pool so steady-state steps allocate nothing.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keraspp/graph/graph.h"

namespace tf::kernels {

// Recycles buffers of one executable plan: a storage is free when the pool is
// its only owner (use_count 1), so a fetched result handed to the user is
// simply not reused until the user drops it.
class BufferPool {
 public:
  std::shared_ptr<np::Storage> acquire(size_t bytes);
  size_t size() const { return entries_.size(); }
  size_t bytes() const;

 private:
  std::vector<std::shared_ptr<np::Storage>> entries_;
};

// Per-session state kernels may touch: variable values and a step counter
// (keys random streams so each step draws fresh, reproducible numbers).
struct SessionState {
  // Variable values by variable node id; absent = uninitialized.
  std::map<int, np::Array> variables;
  uint64_t step = 0;
  uint64_t graph_id = 0;
  // Per random op (node id): the Philox block its next run starts at. Each
  // run reserves the blocks it reads, so runs continue one stream and a new
  // session replays it from 0.
  std::map<int, uint64_t> random_counters;
};

class KernelContext {
 public:
  KernelContext(const GraphData& graph, const Node& node, BufferPool* pool, SessionState* state)
      : graph_(graph), node_(node), pool_(pool), state_(state) {}

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
  SessionState& state() const { return *state_; }

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
};

using KernelFn = std::function<void(KernelContext&)>;

class KernelRegistry {
 public:
  static KernelRegistry& global();
  // dtype: the node's first output dtype (or first input's when it has no
  // outputs); nullopt registers for every dtype.
  void add(const std::string& op, const std::string& device, std::optional<DType> dtype,
           KernelFn fn);
  // Null when none is registered.
  const KernelFn* find(const std::string& op, const std::string& device, DType dtype) const;
  bool has_any(const std::string& op) const;

 private:
  std::map<std::tuple<std::string, std::string, int>, KernelFn> fns_;
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
