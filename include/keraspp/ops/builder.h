// Helpers every op family uses to build nodes in the default graph, and the
// TensorLike conversion that lets builders take numbers and arrays where TF
// takes Python values (`1 - keep_prob`, `tf::multiply(x, 0.5)`).
#pragma once
#include <optional>
#include <type_traits>
#include <string>
#include <vector>

#include "keraspp/graph/graph.h"
#include "keraspp/graph/op_registry.h"

namespace tf {

// A Tensor, or a value to become a Const. Numbers take the dtype of the
// tensor they meet (TF's rule for Python scalars); arrays keep theirs.
class TensorLike {
 public:
  TensorLike(const Tensor& t) : tensor_(t) {}
  // Anything that converts to a Tensor (a tf::Variable reads as its value,
  // as Python converts variables), so `W + b` and `2.0 * v` work on variables.
  template <class T>
    requires(std::is_convertible_v<const T&, Tensor> && !std::is_same_v<T, Tensor>)
  TensorLike(const T& t) : tensor_(static_cast<Tensor>(t)) {}
  TensorLike(const np::Array& a) : value_(a) {}
  TensorLike(double v) : value_(np::Array::scalar(v)), is_number_(true) {}
  TensorLike(float v) : value_(np::Array::scalar(v)), is_number_(true) {}
  TensorLike(int v) : value_(np::Array::scalar(static_cast<int32_t>(v))), is_number_(true) {}
  TensorLike(int64_t v) : value_(np::Array::scalar(v)), is_number_(true) {}
  TensorLike(bool v) : value_(np::Array::scalar(v)), is_number_(true) {}

  bool is_tensor() const { return static_cast<bool>(tensor_); }
  bool is_number() const { return is_number_; }
  const Tensor& tensor() const { return tensor_; }
  // Converts to a tensor; numbers become Consts of `dtype_hint` when given.
  Tensor to_tensor(std::optional<DType> dtype_hint = std::nullopt) const;

 private:
  Tensor tensor_;
  std::optional<np::Array> value_;
  bool is_number_ = false;
};

// Converts a pair for a binary op: a number meets the other side's dtype.
std::pair<Tensor, Tensor> convert_pair(const TensorLike& a, const TensorLike& b);

namespace op_builder {
// Creates an op in the default graph (or the inputs' graph) and returns it.
Operation create(const std::string& type, const std::vector<Tensor>& inputs, AttrMap attrs = {},
                 const std::string& name = "");
// Same, returning output 0.
Tensor create1(const std::string& type, const std::vector<Tensor>& inputs, AttrMap attrs = {},
               const std::string& name = "");
// The graph ops go into: the first input's graph, else the default graph.
Graph graph_for(const std::vector<Tensor>& inputs);
// Normalises a possibly-negative axis against rank; ShapeError if out of range.
int canonical_axis(int axis, int rank);
}  // namespace op_builder

}  // namespace tf
