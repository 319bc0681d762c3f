// The op registry: every op type is described once by an OpDef (its shape
// function and gradient function) registered from the op family's own file.
// Adding an op touches no central switch.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "keraspp/graph/graph.h"

namespace tf {

// What a shape function sees and fills.
struct InferenceContext {
  std::string op_name;
  std::string op_type;
  const AttrMap* attrs;
  std::vector<DType> input_dtypes;
  std::vector<TensorShape> input_shapes;
  // Constant value of input i when it is produced by a Const op, else null
  // (lets Reshape/Fill infer shapes from constant shape arguments).
  std::vector<const np::Array*> input_constants;
  std::vector<DType> out_dtypes;
  std::vector<TensorShape> out_shapes;

  int num_inputs() const { return static_cast<int>(input_dtypes.size()); }
  void set_output(int i, DType t, const TensorShape& s) {
    if (out_dtypes.size() <= static_cast<size_t>(i)) {
      out_dtypes.resize(i + 1);
      out_shapes.resize(i + 1);
    }
    out_dtypes[i] = t;
    out_shapes[i] = s;
  }
  template <class T> const T& attr(const std::string& name) const;
  bool has_attr(const std::string& name) const { return attrs->count(name) > 0; }
};

// Thrown by shape functions with TF's core text ("Dimensions must be equal, but
// are 784 and 512"); Graph::create_op appends " for 'name' (op: 'Type') with
// input shapes: [...]." and rethrows keraspp::ValueError (as TF 1.x raises
// shape errors found while building the graph).
struct ShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Builds the gradients of op's inputs from the gradients of its outputs
// (grads[i] empty where output i has none). Returns one entry per input,
// empty for inputs without a gradient.
using GradFn = std::function<std::vector<Tensor>(const Operation& op,
                                                 const std::vector<Tensor>& grads)>;
using ShapeFn = std::function<void(InferenceContext&)>;

struct OpDef {
  std::string name;
  ShapeFn shape_fn;
  // Unset and differentiable: tf::gradients raises LookupError-like error.
  GradFn grad_fn;
  // false: no gradient flows (ArgMax, Equal, Shape, ...), as TF's NotDifferentiable.
  bool differentiable = true;
  // Stateful ops (variables, assignments, random) are never deduplicated and
  // their kernels get session state.
  bool stateful = false;
  // Inputs taken by reference (a variable to assign): they may be
  // uninitialized and no gradient flows into them.
  std::vector<int> ref_inputs;
};

class OpRegistry {
 public:
  static OpRegistry& global();
  void add(OpDef def);
  // Null when unknown.
  const OpDef* find(const std::string& name) const;
  // NotFoundError "Op type not registered 'X'".
  const OpDef& lookup(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, OpDef> defs_;
};

// Registers at static-initialisation time: `KPP_REGISTER_OP(OpDef{...});`
struct OpRegistrar {
  explicit OpRegistrar(OpDef def) { OpRegistry::global().add(std::move(def)); }
};
#define KPP_CONCAT_INNER(a, b) a##b
#define KPP_CONCAT(a, b) KPP_CONCAT_INNER(a, b)
#define KPP_REGISTER_OP(...) \
  static ::tf::OpRegistrar KPP_CONCAT(kpp_op_registrar_, __COUNTER__)(__VA_ARGS__)

template <class T> const T& InferenceContext::attr(const std::string& name) const {
  auto it = attrs->find(name);
  if (it == attrs->end()) throw ShapeError("missing attr '" + name + "'");
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  throw ShapeError("attr '" + name + "' has the wrong type");
}

// Helpers for shape functions.
namespace shape_fns {
// Output 0 = input 0's dtype and shape.
void unchanged(InferenceContext& c);
// Numpy broadcasting of inputs 0 and 1 (unknown dims broadcast permissively);
// out dtype = input 0's (inputs must have equal dtypes).
TensorShape broadcast(const TensorShape& a, const TensorShape& b);
void broadcast_binary(InferenceContext& c);
// Checks input i's dtype equals input 0's: TF's "Input 1 of node X was passed
// int32 from y:0 incompatible with expected float." wording is approximated.
void require_same_dtypes(InferenceContext& c);
void require_rank(const InferenceContext& c, int input, int rank);
// TF's attr check for float-only ops: "Value for attr 'T' of int32 is not in
// the list of allowed values: half, float, double".
void require_float(DType t, const std::string& attr = "T");
// Appends the first n dims of a and b, merged (an unknown dim takes the other's),
// to out; TF's merge wording when two known dims differ.
void merge_dims(const TensorShape& a, const TensorShape& b, int n, std::vector<int64_t>& out);
}  // namespace shape_fns

}  // namespace tf
