// tf::get_variable: the per-graph variable store's get-or-create with TF 1.x's
// reuse rules, error texts, default initializers and regularization losses.
#include <algorithm>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/state_ops.h"
#include "variable_scope_impl.h"

namespace tf {

using variable_scope_internal::store;
using variable_scope_internal::VariableStore;

namespace {

std::string dims_str(const TensorShape& s) { return s.debug_str(); }

// TF's Merge wording for an initial value whose shape does not fit the
// variable, reported for the variable's Assign op as its shape function would
// (a ValueError: the graph is being built).
void check_initial_shape(const std::string& var_name, const TensorShape& var_shape,
                         const Tensor& value) {
  const TensorShape& v = value.shape();
  if (var_shape.is_compatible_with(v)) return;
  std::string core;
  if (v.has_rank() && v.rank() != var_shape.rank()) {
    core = "Shapes must be equal rank, but are " + std::to_string(var_shape.rank()) + " and " +
           std::to_string(v.rank());
  } else {
    for (int i = 0; i < var_shape.rank(); ++i)
      if (v.dim(i) >= 0 && v.dim(i) != var_shape.dim(i)) {
        core = "Dimension " + std::to_string(i) + " in both shapes must be equal, but are " +
               std::to_string(var_shape.dim(i)) + " and " + std::to_string(v.dim(i)) +
               ". Shapes are " + dims_str(var_shape) + " and " + dims_str(v) + ".";
        break;
      }
  }
  throw keraspp::ValueError(core + " for '" + var_name + "/Assign' (op: 'Assign') " +
                            "with input shapes: " + dims_str(var_shape) + ", " + dims_str(v) +
                            ".");
}

// Creates the variable `full_name` (at the root name scope, so its ops are
// named exactly that): initial value under "<name>/Initializer/", then the
// VariableV2 of the declared shape, "<name>/Assign" and "<name>/read".
Variable create_variable(const std::string& full_name, const TensorShape& shape, DType dtype,
                         const std::function<Tensor()>& initial_value, bool trainable,
                         std::vector<std::string> collections) {
  // TF creates variables outside any control-dependency context (their
  // initializers must not wait on the ops that happen to enclose them).
  init_scope no_deps(get_default_graph());
  name_scope scope(full_name);
  const std::string base = scope.name().substr(0, scope.name().size() - 1);
  Tensor initial;
  {
    name_scope init_scope("Initializer");
    // Initializers do not know the variable; say which one failed.
    try {
      initial = initial_value();
    } catch (const keraspp::ValueError& e) {
      throw keraspp::ValueError(std::string(e.what()) + " for variable '" + base + "'");
    } catch (const keraspp::TypeError& e) {
      throw keraspp::TypeError(std::string(e.what()) + " for variable '" + base + "'");
    }
  }
  if (initial.dtype() != dtype) initial = cast(initial, dtype);
  check_initial_shape(base, shape, initial);
  const Tensor ref = variable_v2(dtype, shape, base + "/");
  const Operation initializer = assign(ref, initial, true, "Assign").op();
  Variable v(ref, identity(ref, "read"), initializer, initial, trainable);
  if (collections.empty()) collections.push_back(GraphKeys::GLOBAL_VARIABLES);
  if (trainable && std::find(collections.begin(), collections.end(),
                             GraphKeys::TRAINABLE_VARIABLES) == collections.end())
    collections.push_back(GraphKeys::TRAINABLE_VARIABLES);
  add_variable_to_collections(v, collections);
  return v;
}

// TF's _VariableStore._get_single_variable.
Variable get_single_variable(VariableStore& st, const std::string& name, TensorShape shape,
                             DType dtype, const InitializerArg& initializer,
                             const Regularizer& regularizer, Reuse reuse,
                             const GetVariableOptions& opts) {
  const bool from_value = initializer.is_value();
  Tensor value;
  if (from_value) {
    if (shape.has_rank())
      throw keraspp::ValueError("If initializer is a constant, do not specify shape.");
    if (initializer.tensor()) value = initializer.tensor();
    shape = value ? value.shape() : TensorShape(initializer.array()->shape());
    if (value)
      dtype = value.dtype();
    else if (!opts.dtype)
      dtype = initializer.array()->dtype();
  }

  auto found = st.vars.find(name);
  if (found != st.vars.end()) {
    if (!reuse.truthy())
      throw keraspp::ValueError("Variable " + name +
                                " already exists, disallowed. Did you mean to set reuse=True "
                                "in VarScope?");
    const Variable v(get_default_graph().data(), found->second);
    if (!shape.is_compatible_with(v.shape()))
      throw keraspp::ValueError("Trying to share variable " + name + ", but specified shape " +
                                shape.str() + " and found shape " + v.shape().str() + ".");
    if (dtype != v.dtype())
      throw keraspp::ValueError("Trying to share variable " + name + ", but specified dtype " +
                                np::dtype_name(dtype) + " and found dtype " +
                                np::dtype_name(v.dtype()) + "_ref.");
    return v;
  }
  if (reuse.kind() == Reuse::Kind::kTrue)
    throw keraspp::ValueError("Variable " + name +
                              " does not exist, or was not created with tf.get_variable(). Did "
                              "you mean to set reuse=None in VarScope?");
  if (!shape.fully_defined())
    throw keraspp::ValueError("Shape of a new variable (" + name +
                              ") must be fully defined, but instead was " + shape.str() + ".");

  std::function<Tensor()> init_fn;
  if (from_value) {
    init_fn = [&] { return value ? value : constant(*initializer.array(), dtype); };
  } else {
    Initializer init = initializer.initializer();
    if (!init) {
      if (np::is_floating(dtype))
        init = glorot_uniform_initializer();
      else if (dtype == int32 || dtype == int64 || dtype == uint8 || dtype == bool_)
        init = zeros_initializer();
      else
        throw keraspp::ValueError("An initializer for variable " + name + " of " +
                                  np::dtype_name(dtype) + " is required");
    }
    init_fn = [init, shape, dtype] { return init(shape.dims(), dtype); };
  }
  Variable v = create_variable(name, shape, dtype, init_fn, opts.trainable, opts.collections);
  st.vars.emplace(name, v.data());

  if (regularizer) {
    Graph g = v.graph();
    init_scope no_deps(g);
    Tensor loss;
    {
      name_scope reg_scope(v.op().name() + "/Regularizer/");
      loss = regularizer(v.value());
    }
    if (loss) g.add_to_collection(GraphKeys::REGULARIZATION_LOSSES, loss);
  }
  return v;
}

}  // namespace

Variable VariableScope::get_variable(const std::string& name, const TensorShape& shape,
                                     const GetVariableOptions& opts) const {
  if (!d_) throw keraspp::ValueError("get_variable on a null VariableScope");
  const std::string full_name = d_->name.empty() ? name : d_->name + "/" + name;
  // An initial value and an explicit dtype must agree, checked before the
  // scope's defaults fill in (TF's VariableScope.get_variable).
  if (opts.dtype && opts.initializer.is_value()) {
    const DType init_dtype =
        opts.initializer.tensor() ? opts.initializer.tensor().dtype() : opts.initializer.array()->dtype();
    if (init_dtype != *opts.dtype)
      throw keraspp::ValueError("Initializer type '<dtype: '" + np::dtype_name(init_dtype) +
                                "'>' and explicit dtype '<dtype: '" + np::dtype_name(*opts.dtype) +
                                "'>' don't match.");
  }
  const DType dtype = opts.dtype ? *opts.dtype : d_->dtype;
  InitializerArg initializer = opts.initializer;
  if (!initializer.is_set() && d_->initializer) initializer = d_->initializer;
  const Regularizer& regularizer = opts.regularizer ? opts.regularizer : d_->regularizer;
  Graph g = get_default_graph();
  // Variable names depend on the variable scope only: create at the root name scope.
  name_scope root("");
  return get_single_variable(store(g), full_name, shape, dtype, initializer, regularizer, d_->reuse,
                             opts);
}

Variable get_variable(const std::string& name, const TensorShape& shape,
                      const GetVariableOptions& opts) {
  return get_variable_scope().get_variable(name, shape, opts);
}

}  // namespace tf
