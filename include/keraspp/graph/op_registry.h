// The op registry: every op type is described once by an OpDef (its schema
// of named, typed inputs, outputs and attrs, shape function, gradient
// function, and the flags plan rewrites read) registered from the op
// family's own file, as TF's REGISTER_OP. Adding an op touches no central
// switch.
#pragma once
#include <array>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
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

// One input or output of an op, declared as TF's REGISTER_OP writes it:
// "x: T" (dtype given by type attr T), "shape: int32" (a fixed dtype),
// "var: Ref(T)" (taken by reference: a variable the op may update, maybe
// uninitialized, no gradient flows into it), "values: N * T" (a list of N
// tensors, N >= 1, one dtype).
struct ArgDef {
  std::string name;
  std::string type_attr;       // "T"; empty for a fixed dtype
  std::optional<DType> dtype;  // the fixed dtype
  std::string number_attr;     // "N" for a list; empty for one tensor
  bool is_ref = false;
};

// An attribute: "transpose_a: bool = false", "T: {float, double}",
// "padding: {'SAME', 'VALID'}", "keep_prob: float". Types are TF's: type,
// bool, int, float, string, shape, tensor, list(int); a list in braces is a
// type attr's (or, quoted, a string attr's) allowed values. A type attr
// named by an input ("x: T") is inferred from that input; the others are
// given by the builder or take their default.
struct AttrDef {
  std::string name;
  std::string type;
  std::optional<AttrValue> default_value;
  std::vector<DType> allowed;                // for a type attr; empty: any dtype
  std::vector<std::string> allowed_strings;  // for a string attr; empty: any
};

// A fusion the plan makes (fuse.h), declared next to its fused op. The
// chain's steps each read the previous link's output 0 at input `reads`;
// the fused step takes `inputs` (a link and its input's name) and produces
// the output 0 of each link in `outputs`. A link whose output is not an
// output of the fused step must be its next link's only reader and not be
// fetched or fed; every link has one output of the first link's dtype and
// no control inputs. The fused step runs where the first link in `outputs`
// ran (its inputs must be ready there) and carries the first link's node
// (its attrs). Patterns are tried longest first.
struct FusionLink {
  std::string op;
  std::string reads;  // the input reading the previous link; empty for the first
  // Attr values the link's node must have (FusedBatchNorm's is_training =
  // false); a link may have more outputs than its first only when nothing
  // reads them.
  std::vector<std::pair<std::string, AttrValue>> attrs = {};
};
// An attribute condition of a row: the links listed must carry equal values
// of `attr` (Conv2D's and BiasAdd's data_format: a bias added along another
// axis is not the fused op's).
struct FusionAttrMatch {
  std::string attr;
  std::vector<int> links;
};
struct FusionPattern {
  std::string fused_op;
  std::vector<FusionLink> chain;
  std::vector<std::pair<int, std::string>> inputs;  // (link, input name)
  std::vector<int> outputs;                         // links, in output order
  std::vector<FusionAttrMatch> same_attrs = {};     // conditions on the links' attrs
};

// Built once per op type. The schema (inputs, outputs, attrs) is what the
// graph validates at create_op and what kernels index inputs by; the flags
// below it are what the plan's rewrites (fold.h, fuse.h) know of the op, so
// they name no op type.
struct OpDef {
  std::string name;
  std::vector<std::string> inputs;   // "x: T", in order
  std::vector<std::string> outputs;  // "y: T"
  std::vector<std::string> attrs;    // "T: {float, double}", "alpha: float = 0.2"
  ShapeFn shape_fn;
  // Unset and differentiable: tf::gradients raises LookupError-like error.
  GradFn grad_fn;
  // false: no gradient flows (ArgMax, Equal, Shape, ...), as TF's NotDifferentiable.
  bool differentiable = true;
  // Stateful ops (variables, assignments, random) are never deduplicated and
  // their kernels get session state.
  bool stateful = false;

  // ---- what plan rewrites know (fold.h, fuse.h) ----
  // Output 0 is input 0's value (Identity, a variable read): readers may
  // read the input instead.
  bool forwards_input = false;
  // Output 0 is input 0 converted to the output's dtype (a known scalar bool
  // stays known through a cast to bool).
  bool converts_input = false;
  // Output 0 is the value of attr "value", and the op has no inputs.
  bool is_constant = false;
  // Output 0 is a variable's value, which ops taking it by Ref update.
  bool is_variable = false;
  // Output 0 is all zeros (ZerosLike).
  bool produces_zeros = false;
  // Output 0 is all zeros when any of these inputs is.
  std::vector<std::string> zero_preserving;
  // Output 0 is the sum of the inputs (AddN): zero terms may be dropped.
  bool sums_inputs = false;
  // Output 0 is `if_true` or `if_false` as a scalar `predicate` says (a
  // known predicate picks a whole branch).
  struct Select {
    std::string predicate, if_true, if_false;
  };
  std::optional<Select> select;
  // Outputs are fresh buffers, never an input's (no aliasing of a variable).
  bool allocates_outputs = false;
  // Output 0 is the matrix product of inputs 0 and 1 (attrs transpose_a,
  // transpose_b), which an update's kernel may compute itself a block of
  // rows at a time (gradient_product below).
  bool matrix_product = false;
  // The input an optimizer update may take as a MatMul's product instead of
  // an array (KernelContext::gradient_product): registering the op also
  // registers the fused op gradient_product_op(name) the plan runs then.
  std::string gradient_product;
  // Made only by plan rewrites (fuse.h), never in a graph: create_op refuses it.
  bool plan_only = false;
  // String attrs naming functions of the graph's library (If's branches,
  // While's cond and body): the runtime compiles each into a nested plan
  // the kernel runs through KernelContext::functions.
  std::vector<std::string> function_attrs;

  // ---- filled at registration from the declarations above ----
  std::vector<ArgDef> input_args, output_args;
  std::vector<AttrDef> attr_defs;
  std::vector<int> ref_inputs;  // the Ref(...) inputs
  std::vector<int> zero_preserving_inputs;
  struct SelectInputs {
    int predicate, if_true, if_false;
  };
  std::optional<SelectInputs> select_inputs;
  int gradient_product_input = -1;

  // Index of the input named `name`; InternalError naming the op when none.
  int input_index(const std::string& name) const;
  const AttrDef* find_attr(const std::string& name) const;
  // "a:T, b:T -> product:T", TF's signature text for error messages.
  std::string signature() const;
};

// The fused op an update op with a gradient_product input becomes
// ("_FusedMatMul" + update), with the update's inputs (the gradient's
// replaced by the product's a) and the product's b last.
std::string gradient_product_op(const std::string& update_op);

class OpRegistry {
 public:
  static OpRegistry& global();
  // Parses def's schema (InternalError for a malformed one) and wraps its
  // shape function in the schema's checks.
  void add(OpDef def);
  // Null when unknown.
  const OpDef* find(const std::string& name) const;
  // NotFoundError "Op type not registered 'X'".
  const OpDef& lookup(const std::string& name) const;
  std::vector<std::string> names() const;

  void add_fusion(FusionPattern pattern);
  // The fusion table, longest chains first (then by name).
  const std::vector<FusionPattern>& fusions() const;

 private:
  std::map<std::string, OpDef> defs_;
  std::vector<FusionPattern> fusions_;
};

// Completes a node's attrs before create_op, as TF's apply_op does: each
// missing attr with a default gets it. The schema's checks then run in
// create_op: input count and dtypes (TypeError worded as TF's apply_op),
// attr presence and types.
AttrMap with_default_attrs(const OpDef& def, AttrMap attrs);

// Compile-time input indices from an op's declared input list, so kernels
// and the OpDef name inputs from one declaration:
//   inline constexpr ArgList kApplyAdamInputs{"var: Ref(T)", ..., "grad: T"};
//   constexpr int kGrad = kApplyAdamInputs.index("grad");   // 9
//   OpDef{.name = "ApplyAdam", .inputs = kApplyAdamInputs.specs(), ...}
template <size_t N> struct ArgList {
  std::array<std::string_view, N> args;

  template <class... S>
  constexpr ArgList(S... s) : args{std::string_view(s)...} {}
  static constexpr std::string_view name_of(std::string_view spec) {
    const size_t colon = spec.find(':');
    std::string_view n = spec.substr(0, colon);
    while (!n.empty() && n.back() == ' ') n.remove_suffix(1);
    return n;
  }
  // Compile error (no constant expression) for a name not in the list.
  consteval int index(std::string_view name) const {
    for (size_t i = 0; i < N; ++i)
      if (name_of(args[i]) == name) return static_cast<int>(i);
    throw "no input of this name";
  }
  std::vector<std::string> specs() const { return {args.begin(), args.end()}; }
};
template <class... S> ArgList(S...) -> ArgList<sizeof...(S)>;

// Registers at static-initialisation time: `KPP_REGISTER_OP(OpDef{...});`
struct OpRegistrar {
  explicit OpRegistrar(OpDef def) { OpRegistry::global().add(std::move(def)); }
};
#define KPP_CONCAT_INNER(a, b) a##b
#define KPP_CONCAT(a, b) KPP_CONCAT_INNER(a, b)
#define KPP_REGISTER_OP(...) \
  static ::tf::OpRegistrar KPP_CONCAT(kpp_op_registrar_, __COUNTER__)(__VA_ARGS__)
// A row of the fusion table: `KPP_REGISTER_FUSION(FusionPattern{...});`
struct FusionRegistrar {
  explicit FusionRegistrar(FusionPattern p) { OpRegistry::global().add_fusion(std::move(p)); }
};
#define KPP_REGISTER_FUSION(...) \
  static ::tf::FusionRegistrar KPP_CONCAT(kpp_fusion_registrar_, __COUNTER__)(__VA_ARGS__)

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

// Appends the first n dims of a and b, merged (an unknown dim takes the other's),
// to out; TF's merge wording when two known dims differ.
void merge_dims(const TensorShape& a, const TensorShape& b, int n, std::vector<int64_t>& out);
}  // namespace shape_fns

}  // namespace tf
