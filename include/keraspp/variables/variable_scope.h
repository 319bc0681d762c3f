// Variable scopes and tf::get_variable (TF 1.x's variable sharing).
//
//   tf::Tensor nn(tf::Tensor x, bool reuse) {
//     tf::variable_scope scope("mlp1", {.reuse = reuse});
//     auto w = tf::get_variable("w", {784, 512});   // "mlp1/w", shared when reuse
//     ...
//   }
//
// A variable scope names variables; entering one also opens a name scope
// (uniquified: "mlp1", "mlp1_1", ...) that names ops. get_variable names a
// variable `<variable scope>/<name>` whatever the current name scope is, and
// keeps it in a per-graph store: with reuse unset it must not exist yet, with
// reuse=true it must exist, with AUTO_REUSE it is created or returned.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "keraspp/graph/graph.h"
#include "keraspp/variables/initializers.h"
#include "keraspp/variables/variable.h"

namespace tf {

// tf.AUTO_REUSE: get_variable creates a variable when it does not exist and
// returns it when it does.
struct AutoReuseType {};
inline constexpr AutoReuseType AUTO_REUSE{};

// A scope's reuse flag: unset (None), false, true or AUTO_REUSE.
// `{.reuse = true}`, `{.reuse = flag}`, `{.reuse = tf::AUTO_REUSE}`.
class Reuse {
 public:
  enum class Kind { kUnset, kFalse, kTrue, kAuto };
  constexpr Reuse() = default;
  constexpr Reuse(bool reuse) : kind_(reuse ? Kind::kTrue : Kind::kFalse) {}
  constexpr Reuse(AutoReuseType) : kind_(Kind::kAuto) {}
  template <class T> Reuse(T*) = delete;  // no pointer-to-bool surprises
  constexpr Kind kind() const { return kind_; }
  constexpr bool is_set() const { return kind_ != Kind::kUnset; }
  // Python truthiness: true and AUTO_REUSE.
  constexpr bool truthy() const { return kind_ == Kind::kTrue || kind_ == Kind::kAuto; }
  constexpr bool operator==(const Reuse& o) const { return kind_ == o.kind_; }
  // "None", "False", "True", "_ReuseMode.AUTO_REUSE" as Python prints them.
  const char* str() const;

 private:
  Kind kind_ = Kind::kUnset;
};

// var -> a scalar loss (or an empty Tensor for none), added to the
// REGULARIZATION_LOSSES collection when get_variable creates `var`.
using Regularizer = std::function<Tensor(const Tensor&)>;

// What get_variable's `initializer` may be: an Initializer, or a value
// (tensor or array) whose shape becomes the variable's.
class InitializerArg {
 public:
  InitializerArg() = default;
  InitializerArg(Initializer init) : init_(std::move(init)) {}
  InitializerArg(const Tensor& value) : tensor_(value) {}
  InitializerArg(const np::Array& value) : array_(value) {}

  bool is_set() const { return static_cast<bool>(init_) || is_value(); }
  bool is_value() const { return static_cast<bool>(tensor_) || array_.has_value(); }
  const Initializer& initializer() const { return init_; }
  const Tensor& tensor() const { return tensor_; }
  const std::optional<np::Array>& array() const { return array_; }

 private:
  Initializer init_;
  Tensor tensor_;
  std::optional<np::Array> array_;
};

// tf.get_variable's keyword arguments, in its signature's order.
struct GetVariableOptions {
  std::optional<DType> dtype = std::nullopt;  // default: the scope's (float32)
  // Default: the scope's initializer, else glorot_uniform for floats and
  // zeros for integers and bools.
  InitializerArg initializer = {};
  Regularizer regularizer = nullptr;  // default: the scope's
  bool trainable = true;
  std::vector<std::string> collections = {};  // default: GLOBAL_VARIABLES (+TRAINABLE)
};

struct VariableScopeData;

// tf.VariableScope: a handle (reference semantics) on a scope's settings; the
// handle get_variable_scope() returns is the live current scope, so
// reuse_variables() on it affects get_variable until the scope is left.
class VariableScope {
 public:
  VariableScope() = default;  // a null handle
  explicit VariableScope(std::shared_ptr<VariableScopeData> d) : d_(std::move(d)) {}

  // "mlp1/dense1" ("" for the root scope).
  const std::string& name() const;
  // The name scope opened when the scope was first entered, with a trailing
  // "/" ("mlp1/"; "" at the root).
  const std::string& original_name_scope() const;
  Reuse reuse() const;
  const Initializer& initializer() const;
  const Regularizer& regularizer() const;
  DType dtype() const;

  void reuse_variables();
  void set_initializer(Initializer initializer);
  void set_regularizer(Regularizer regularizer);
  void set_dtype(DType dtype);

  // get_variable under this scope: `<name()>/<name>`.
  Variable get_variable(const std::string& name, const TensorShape& shape = TensorShape::unknown(),
                        const GetVariableOptions& opts = {}) const;

  const std::shared_ptr<VariableScopeData>& data() const { return d_; }
  bool operator==(const VariableScope& o) const { return d_ == o.d_; }

 private:
  std::shared_ptr<VariableScopeData> d_;
};

// The default graph's current variable scope (the root scope, named "", outside
// any variable_scope).
VariableScope get_variable_scope();

// Gets the variable `<current variable scope>/<name>` or creates it. shape:
// required to create (use TensorShape::scalar() for a scalar; `{}` means
// unknown), optional when reusing or when the initializer is a value.
// Errors (keraspp::ValueError), as TF words them:
//  "Variable x/w already exists, disallowed. Did you mean to set reuse=True in VarScope?"
//  "Variable x/w does not exist, or was not created with tf.get_variable(). Did you
//   mean to set reuse=None in VarScope?"
//  "Trying to share variable x/w, but specified shape (3, 4) and found shape (4, 4)."
//  "Initializer type '<dtype: 'int32'>' and explicit dtype '<dtype: 'float32'>'
//   don't match." (a value initializer and opts.dtype disagree)
// An initializer producing the wrong shape raises ValueError naming the
// variable's Assign op (a shape error while building, as TF 1.x); an
// initializer's own ValueError/TypeError (e.g. a constant with too many
// values) gets " for variable 'x/w'" appended.
Variable get_variable(const std::string& name, const TensorShape& shape = TensorShape::unknown(),
                      const GetVariableOptions& opts = {});

// tf.variable_scope's keyword arguments, in its signature's order.
struct VariableScopeOptions {
  // Used, uniquified among sibling variable scopes ("dense", "dense_1"), when
  // name_or_scope is None (std::nullopt or "").
  std::string default_name = "";
  Initializer initializer = {};       // default for get_variable inside; inherited
  Regularizer regularizer = nullptr;  // inherited
  // Inherited by sub-scopes; false means unset, so neither a sub-scope entered
  // by name nor a re-entered VariableScope object can turn reuse off.
  Reuse reuse = {};
  std::optional<DType> dtype = std::nullopt;  // inherited
};

// RAII: `tf::variable_scope scope("mlp1", {.reuse = true});` enters a variable
// scope (by name, nesting under the current one, or re-entering a
// VariableScope object) and opens its name scope, until destroyed.
class [[nodiscard]] variable_scope {
 public:
  [[nodiscard]] explicit variable_scope(const std::string& name_or_scope, const VariableScopeOptions& opts = {});
  [[nodiscard]] explicit variable_scope(const char* name_or_scope, const VariableScopeOptions& opts = {})
      : variable_scope(std::string(name_or_scope), opts) {}
  // name_or_scope None: opts.default_name is required.
  [[nodiscard]] explicit variable_scope(std::nullopt_t, const VariableScopeOptions& opts);
  [[nodiscard]] explicit variable_scope(const VariableScope& scope, const VariableScopeOptions& opts = {});
  ~variable_scope();
  variable_scope(const variable_scope&) = delete;
  variable_scope& operator=(const variable_scope&) = delete;

  // The entered scope (Python's `as scope`): a handle, so
  // `scope.scope().reuse_variables()` affects the live scope.
  VariableScope scope() const { return current_; }
  operator const VariableScope&() const { return current_; }
  const std::string& name() const { return current_.name(); }
  const std::string& original_name_scope() const { return current_.original_name_scope(); }

 private:
  void enter(const std::optional<std::string>& name, const VariableScope* object,
             const VariableScopeOptions& opts);

  Graph graph_;
  std::optional<name_scope> name_scope_;
  VariableScope saved_;
  VariableScope current_;
  std::shared_ptr<void> counts_snapshot_;  // scope-use counts to restore (object re-entry)
};

}  // namespace tf
