// The TF 1.x graph: Graph, Operation, Tensor; name scopes, collections,
// control dependencies and the thread-local default-graph stack.
//
// Graph, Operation and Tensor are cheap handles with reference semantics (a
// shared pointer to the graph plus an index), like Python's objects. Handles
// own the graph: it lives while any handle to it (a Tensor, an Operation, a
// Variable, a Session, a Keras layer holding weights) does. What the graph
// itself holds (nodes, collections) refers back to it by index only, so a
// graph nobody holds is freed (docs/architecture.md, "Ownership").
#pragma once
#include <functional>
#include <iosfwd>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "keraspp/errors.h"
#include "keraspp/graph/shape.h"
#include "keraspp/np/array.h"

namespace tf {

using np::DType;
inline constexpr DType float32 = np::float32;
inline constexpr DType float64 = np::float64;
inline constexpr DType int32 = np::int32;
inline constexpr DType int64 = np::int64;
inline constexpr DType uint8 = np::uint8;
inline constexpr DType bool_ = np::bool_;

struct OpDef;
struct GraphData;
struct Node;
class Graph;
class Operation;

// An attribute value of an op (TF's AttrValue).
using AttrValue = std::variant<int64_t, double, bool, std::string, DType, std::vector<int64_t>,
                               TensorShape, np::Array>;
using AttrMap = std::map<std::string, AttrValue>;

// A value fed for a placeholder: an array, or a number (converted to the
// placeholder's dtype, as TF converts Python scalars).
struct FeedValue {
  np::Array value;
  bool is_scalar = false;
  FeedValue(np::Array a) : value(std::move(a)) {}
  FeedValue(double v) : value(np::Array::scalar(v)), is_scalar(true) {}
  FeedValue(float v) : value(np::Array::scalar(static_cast<double>(v))), is_scalar(true) {}
  FeedValue(int v) : value(np::Array::scalar(static_cast<double>(v))), is_scalar(true) {}
  FeedValue(int64_t v) : value(np::Array::scalar(static_cast<double>(v))), is_scalar(true) {}
  FeedValue(bool v) : value(np::Array::scalar(v ? 1.0 : 0.0)), is_scalar(true) {}
};
class Tensor;
using FeedDict = std::vector<std::pair<Tensor, FeedValue>>;

// An output of an operation. Empty (`!t`) where TF would have None.
class Tensor {
 public:
  Tensor() = default;
  Tensor(std::shared_ptr<GraphData> g, int node, int index)
      : graph_(std::move(g)), node_(node), index_(index) {}

  explicit operator bool() const { return graph_ != nullptr; }
  Operation op() const;
  int value_index() const { return index_; }
  DType dtype() const;
  const TensorShape& shape() const;
  TensorShape get_shape() const { return shape(); }
  // Refines the static shape (TF's set_shape); InvalidArgument if incompatible.
  void set_shape(const TensorShape& s) const;
  std::string name() const;  // "op_name:0"
  Graph graph() const;
  // eval/run under a default session (defined by the runtime).
  np::Array eval(const FeedDict& feed_dict = {}) const;

  int node_id() const { return node_; }
  const std::shared_ptr<GraphData>& graph_data() const { return graph_; }

  // Attributes a higher layer attaches to this tensor object (Keras's
  // _keras_shape and _keras_history), carried by the handle and its copies
  // as Python carries them on the tensor object. Not part of the tensor's
  // identity; a tensor looked up again from the graph has none.
  const std::shared_ptr<const void>& annotation() const { return annotation_; }
  void set_annotation(std::shared_ptr<const void> a) { annotation_ = std::move(a); }

  bool operator==(const Tensor& o) const {
    return graph_ == o.graph_ && node_ == o.node_ && index_ == o.index_;
  }
  bool operator<(const Tensor& o) const {
    return graph_ != o.graph_ ? graph_ < o.graph_
                              : (node_ != o.node_ ? node_ < o.node_ : index_ < o.index_);
  }

 private:
  std::shared_ptr<GraphData> graph_;
  int node_ = -1;
  int index_ = 0;
  std::shared_ptr<const void> annotation_;
};

// Tensor("mlp/Relu:0", shape=(?, 512), dtype=float32)
std::ostream& operator<<(std::ostream& os, const Tensor& t);

class Operation {
 public:
  Operation() = default;
  Operation(std::shared_ptr<GraphData> g, int node) : graph_(std::move(g)), node_(node) {}
  explicit operator bool() const { return graph_ != nullptr; }

  const std::string& name() const;
  const std::string& type() const;
  const OpDef& op_def() const;
  int num_inputs() const;
  int num_outputs() const;
  Tensor input(int i) const;
  Tensor output(int i) const;
  std::vector<Tensor> inputs() const;
  std::vector<Tensor> outputs() const;
  std::vector<Operation> control_inputs() const;
  const AttrMap& attrs() const;
  // Typed attribute access; InvalidArgument naming the op if missing/mistyped.
  template <class T> const T& get_attr(const std::string& name) const;
  bool has_attr(const std::string& name) const;
  Graph graph() const;
  // Runs this op under a default session (defined by the runtime).
  void run(const FeedDict& feed_dict = {}) const;

  int node_id() const { return node_; }
  const std::shared_ptr<GraphData>& graph_data() const { return graph_; }
  bool operator==(const Operation& o) const { return graph_ == o.graph_ && node_ == o.node_; }
  bool operator<(const Operation& o) const {
    return graph_ != o.graph_ ? graph_ < o.graph_ : node_ < o.node_;
  }

 private:
  std::shared_ptr<GraphData> graph_;
  int node_ = -1;
};

// One entry of a graph collection: a tensor (node, index), an operation
// (node, index -1) or an object; none of them owns the graph.
struct CollectionItem {
  int node = -1;
  int index = -1;
  std::shared_ptr<void> object;
  bool is_tensor() const { return node >= 0 && index >= 0; }
  bool is_operation() const { return node >= 0 && index < 0; }
};

// Arguments for adding an op; the registry's shape function fills the outputs.
struct NodeSpec {
  std::string type;  // registered op name, "MatMul"
  std::string name;  // requested name (uniquified under the current scope); "" = type
  std::vector<Tensor> inputs;
  AttrMap attrs;
};

class Graph {
 public:
  Graph();
  explicit Graph(std::shared_ptr<GraphData> d) : d_(std::move(d)) {}

  // Adds an op: checks inputs belong to this graph, runs the op's shape function
  // (InvalidArgument with TF's "for 'name' (op: 'Type') with input shapes" suffix),
  // applies the current name scope and control dependencies.
  Operation create_op(const NodeSpec& spec);
  // TF's Graph.unique_name: "add", "add_1", ... under the current name scope.
  // mark_as_used=false only peeks.
  std::string unique_name(const std::string& name, bool mark_as_used = true);
  std::string current_name_scope() const;  // "" or "a/b"

  Operation get_operation_by_name(const std::string& name) const;
  Tensor get_tensor_by_name(const std::string& name) const;  // "op:0"
  std::vector<Operation> get_operations() const;
  int num_ops() const;

  // Collections (TF's graph collections: "variables", "losses", "train_op",
  // ...). The graph owns what they hold, so nothing in them may own the
  // graph: tensors and operations are kept by id and handed out as handles;
  // a higher layer's object (a variable's data, a store) must hold no Tensor,
  // Operation or Graph of its own graph (ids, or weak references, instead).
  void add_to_collection(const std::string& name, const Tensor& t);
  void add_to_collection(const std::string& name, const Operation& op);
  void add_to_collection(const std::string& name, std::shared_ptr<void> object);
  const std::vector<CollectionItem>& get_collection_ref(const std::string& name) const;
  // The tensors, operations or objects of a collection (other kinds skipped).
  std::vector<Tensor> get_collection_tensors(const std::string& name) const;
  std::vector<Operation> get_collection_operations(const std::string& name) const;
  std::vector<std::shared_ptr<void>> get_collection_objects(const std::string& name) const;
  // The collection's first object, created by `make` when it has none (a
  // per-graph singleton of a higher layer: the variable store).
  std::shared_ptr<void> collection_singleton(const std::string& name,
                                             const std::function<std::shared_ptr<void>()>& make);
  void clear_collection(const std::string& name);

  // Per-graph integer counters for higher layers (Keras layer uids).
  int64_t& counter(const std::string& key);
  // Graph-level random seed (tf.set_random_seed); -1 = unset.
  int64_t seed() const;
  void set_seed(int64_t s);
  // Next op-level seed counter for ops created without an explicit seed.
  int64_t next_op_seed();

  // Makes this graph the thread's default for the guard's lifetime.
  class [[nodiscard]] DefaultGuard {
   public:
    [[nodiscard]] explicit DefaultGuard(const Graph& g);
    ~DefaultGuard();
    DefaultGuard(const DefaultGuard&) = delete;
    DefaultGuard& operator=(const DefaultGuard&) = delete;
  };
  DefaultGuard as_default() const { return DefaultGuard(*this); }

  const std::shared_ptr<GraphData>& data() const { return d_; }
  // Process-unique (never reused, unlike an address), so a table keyed by it
  // can tell a new graph from a freed one.
  uint64_t id() const;
  bool operator==(const Graph& o) const { return d_ == o.d_; }
  bool operator!=(const Graph& o) const { return d_ != o.d_; }

 private:
  std::shared_ptr<GraphData> d_;
};

// The thread's current default graph (created on first use).
Graph get_default_graph();
// Replaces the thread's base default graph with a fresh one.
void reset_default_graph();

// RAII: `tf::name_scope scope("layer");` nests, uniquifies ("layer_1"), and a
// name ending in "/" re-enters that exact scope ("" resets to the root).
class [[nodiscard]] name_scope {
 public:
  [[nodiscard]] explicit name_scope(const std::string& name);
  ~name_scope();
  name_scope(const name_scope&) = delete;
  name_scope& operator=(const name_scope&) = delete;
  // The scope's full name with a trailing "/" ("mlp_model/").
  const std::string& name() const { return full_; }

 private:
  Graph graph_;
  std::string saved_;
  std::string full_;
};

// RAII: ops created in its lifetime get control inputs on `ops`.
// `control_dependencies(nullptr)` is TF's control_dependencies(None): ops
// created in its lifetime get none of the enclosing contexts' control inputs.
class [[nodiscard]] control_dependencies {
 public:
  [[nodiscard]] explicit control_dependencies(const std::vector<Operation>& ops);
  [[nodiscard]] explicit control_dependencies(std::nullptr_t);
  ~control_dependencies();
  control_dependencies(const control_dependencies&) = delete;
  control_dependencies& operator=(const control_dependencies&) = delete;

 private:
  Graph graph_;
  size_t depth_ = 0;
  bool cleared_ = false;
  std::vector<std::vector<int>> saved_;  // the enclosing contexts (cleared form)
};

// RAII: TF's init_scope, for state a library creates lazily from inside a
// user's context (variables, their initializers, cached ops): makes `g` the
// default graph and clears the enclosing control dependencies, so running
// the initializer never runs the ops that happened to enclose it. The name
// scope is kept (as TF's); `at_root = true` also moves to the root scope.
class [[nodiscard]] init_scope {
 public:
  [[nodiscard]] explicit init_scope(const Graph& g, bool at_root = false);
  init_scope(const init_scope&) = delete;
  init_scope& operator=(const init_scope&) = delete;

 private:
  Graph::DefaultGuard default_;
  control_dependencies no_dependencies_;
  std::optional<name_scope> root_;
};

// Graph collection keys (tf.GraphKeys).
namespace GraphKeys {
inline const std::string GLOBAL_VARIABLES = "variables";
inline const std::string TRAINABLE_VARIABLES = "trainable_variables";
inline const std::string LOCAL_VARIABLES = "local_variables";
inline const std::string MODEL_VARIABLES = "model_variables";
inline const std::string REGULARIZATION_LOSSES = "regularization_losses";
inline const std::string LOSSES = "losses";
inline const std::string UPDATE_OPS = "update_ops";
inline const std::string GLOBAL_STEP = "global_step";
inline const std::string TRAIN_OP = "train_op";
}  // namespace GraphKeys

template <class T> const T& Operation::get_attr(const std::string& name) const {
  const AttrMap& a = attrs();
  auto it = a.find(name);
  if (it == a.end())
    throw errors::InvalidArgumentError("Operation '" + this->name() + "' has no attr named '" +
                                       name + "'.");
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  throw errors::InvalidArgumentError("Attr '" + name + "' of operation '" + this->name() +
                                     "' has the wrong type");
}

}  // namespace tf
