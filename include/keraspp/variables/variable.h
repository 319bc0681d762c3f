// tf::Variable: a VariableV2 node plus its initializer ("w/Assign") and its
// read ("w/read"), registered in the graph's variable collections.
#pragma once
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keraspp/graph/graph.h"
#include "keraspp/ops/builder.h"

namespace tf {

// What the graph keeps of a variable (in its collections and variable
// store): node ids only, so it never owns the graph (graph.h).
struct VariableData {
  int ref_node = -1;          // VariableV2, "w"
  int read_node = -1;         // Identity, "w/read"; what ops consume
  int initializer_node = -1;  // Assign, "w/Assign"
  int initial_value_node = -1;
  int initial_value_index = 0;
  bool trainable = true;
};

struct VariableOptions {
  bool trainable = true;
  std::string name = "";  // default "Variable"
  std::optional<DType> dtype = std::nullopt;
  std::vector<std::string> collections = {};  // default: GLOBAL_VARIABLES (+TRAINABLE)
  bool validate_shape = true;
};

class Variable {
 public:
  Variable() = default;
  // initial_value: a tensor, an array or a number; or a function building the
  // initial value (called under the variable's "Initializer" name scope).
  Variable(const TensorLike& initial_value, const VariableOptions& opts = {});
  Variable(const std::function<Tensor()>& initial_value_fn, const VariableOptions& opts = {});
  // Wraps a variable whose ops exist: its VariableV2 output, read, initializer
  // and initial value (get_variable builds them itself).
  Variable(const Tensor& ref, const Tensor& read, const Operation& initializer,
           const Tensor& initial_value, bool trainable);
  // A handle on a variable the graph `g` keeps (from a collection).
  Variable(std::shared_ptr<GraphData> g, std::shared_ptr<VariableData> d)
      : graph_(std::move(g)), d_(std::move(d)) {}

  explicit operator bool() const { return d_ != nullptr; }
  // Reads the variable (what TF's automatic conversion gives): a Variable is
  // usable wherever a Tensor is (tf::matmul(x, W) + b, v * v, 2.0 * v).
  operator Tensor() const { return value(); }
  Tensor value() const { return Tensor(graph_, checked().read_node, 0); }
  Tensor ref() const { return Tensor(graph_, checked().ref_node, 0); }
  Operation op() const { return Operation(graph_, checked().ref_node); }
  Operation initializer() const { return Operation(graph_, checked().initializer_node); }
  Tensor initial_value() const {
    return Tensor(graph_, checked().initial_value_node, checked().initial_value_index);
  }
  std::string name() const { return ref().name(); }  // "w:0"
  DType dtype() const { return ref().dtype(); }
  const TensorShape& shape() const { return ref().shape(); }
  TensorShape get_shape() const { return shape(); }
  bool trainable() const { return checked().trainable; }
  Graph graph() const { return Graph((checked(), graph_)); }

  Tensor assign(const TensorLike& value, const std::string& name = "") const;
  Tensor assign_add(const TensorLike& value, const std::string& name = "") const;
  Tensor assign_sub(const TensorLike& value, const std::string& name = "") const;
  // Value under the default session.
  np::Array eval() const;
  // Loads a value into the variable in the default session (TF's Variable.load).
  void load(const np::Array& value) const;

  const std::shared_ptr<VariableData>& data() const { return d_; }
  bool operator==(const Variable& o) const { return d_ == o.d_; }
  bool operator<(const Variable& o) const { return d_ < o.d_; }

 private:
  // *d_; ValueError for a default-constructed (None) variable.
  const VariableData& checked() const;

  std::shared_ptr<GraphData> graph_;
  std::shared_ptr<VariableData> d_;
};

// <tf.Variable 'w:0' shape=(784, 512) dtype=float32_ref>
std::ostream& operator<<(std::ostream& os, const Variable& v);

// Registers an existing variable in collections (used by get_variable).
void add_variable_to_collections(const Variable& v, const std::vector<std::string>& collections);

std::vector<Variable> global_variables();
std::vector<Variable> trainable_variables();
std::vector<Variable> local_variables();
std::vector<Variable> get_collection_variables(const std::string& key);
// Groups the initializers of `vars` into one op.
Operation variables_initializer(const std::vector<Variable>& vars, const std::string& name = "init");
Operation global_variables_initializer();
Operation local_variables_initializer();
// The variables among `vars` not yet initialized in the default session... as
// TF: a string tensor is not supported; returns the list directly.
std::vector<Variable> report_uninitialized_variables(const std::vector<Variable>& vars);

}  // namespace tf
