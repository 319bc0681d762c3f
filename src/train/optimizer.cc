// Optimizer base: gradients, slots, and grouping of the per-variable updates.
#include "keraspp/train/optimizer.h"

#include <sstream>

#include "keraspp/autodiff/gradients.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/state_ops.h"

namespace tf::train {

namespace {

// TF's dtype names in its messages: "tf.int32".
std::string tf_dtype(DType t) { return "tf." + np::dtype_name(t); }

// Python's repr of a list of str(variable): ["<tf.Variable 'w:0' ...>", ...].
std::string variable_list(const GradsAndVars& grads_and_vars) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < grads_and_vars.size(); ++i)
    os << (i ? ", " : "") << '"' << grads_and_vars[i].second << '"';
  os << ']';
  return os.str();
}

}  // namespace

Tensor Hyper::to_tensor(const std::string& name) const {
  return tensor_ ? tensor_ : constant(value_, float32, name);
}

GradsAndVars Optimizer::compute_gradients(const Tensor& loss,
                                          std::optional<std::vector<Variable>> var_list) {
  if (loss.dtype() != float32 && loss.dtype() != float64)
    throw keraspp::ValueError("Invalid type " + tf_dtype(loss.dtype()) + " for " + loss.name() +
                              ", expected: [tf.float32, tf.float64].");
  std::vector<Variable> vars = var_list ? *var_list : trainable_variables();
  if (vars.empty()) throw keraspp::ValueError("No variables to optimize.");
  std::vector<Tensor> xs;
  for (const Variable& v : vars) xs.push_back(v.value());
  const std::vector<Tensor> grads = gradients(loss, xs);
  GradsAndVars out;
  for (size_t i = 0; i < vars.size(); ++i) out.emplace_back(grads[i], vars[i]);
  return out;
}

Operation Optimizer::apply_gradients(const GradsAndVars& grads_and_vars,
                                     std::optional<Variable> global_step,
                                     const std::string& name) {
  if (grads_and_vars.empty()) throw keraspp::ValueError("No variables provided.");
  std::vector<Variable> vars;
  for (const auto& [g, v] : grads_and_vars)
    if (g) vars.push_back(v);
  if (vars.empty())
    throw keraspp::ValueError("No gradients provided for any variable: " +
                              variable_list(grads_and_vars) + ".");
  {
    // TF creates slots under the default graph's root name scope.
    name_scope root("");
    create_slots(vars);
  }
  name_scope scope(name.empty() ? name_ : name);
  prepare();
  std::vector<Operation> updates;
  for (const auto& [g, v] : grads_and_vars) {
    if (!g) continue;
    name_scope update_scope("update_" + v.op().name());
    const std::optional<IndexedSlices> slices = indexed_slices(g);
    updates.push_back(slices ? apply_sparse(g, *slices, v) : apply_dense(g, v));
  }
  // The train op is named exactly as the scope ("Adam", not "Adam/NoOp").
  const std::string final_name = scope.name().substr(0, scope.name().size() - 1);
  Operation train_op;
  if (!global_step) {
    train_op = finish(updates, final_name);
  } else {
    Operation done = finish(updates, scope.name() + "update");
    control_dependencies deps({done});
    train_op = assign_add(global_step->ref(), 1, final_name + "/").op();
  }
  train_op.graph().add_to_collection(GraphKeys::TRAIN_OP, train_op);
  return train_op;
}

Operation Optimizer::minimize(const Tensor& loss, const MinimizeOptions& opts) {
  const GradsAndVars grads_and_vars = compute_gradients(loss, opts.var_list);
  bool any = false;
  for (const auto& [g, v] : grads_and_vars) any = any || static_cast<bool>(g);
  if (!any) {
    std::ostringstream os;
    os << "No gradients provided for any variable, check your graph for ops that do not support "
          "gradients, between variables "
       << variable_list(grads_and_vars) << " and loss " << loss << ".";
    throw keraspp::ValueError(os.str());
  }
  return apply_gradients(grads_and_vars, opts.global_step, opts.name);
}

Operation Optimizer::finish(const std::vector<Operation>& update_ops, const std::string& name) {
  // A trailing "/" names the op exactly `name`.
  control_dependencies deps(update_ops);
  return no_op(name + "/");
}

std::optional<Variable> Optimizer::get_slot(const Variable& var, const std::string& slot_name) const {
  auto it = slots_.find(slot_name);
  if (it == slots_.end()) return std::nullopt;
  auto jt = it->second.find(var.data().get());
  if (jt == it->second.end()) return std::nullopt;
  return jt->second;
}

std::vector<std::string> Optimizer::get_slot_names() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : slots_) out.push_back(k);
  return out;
}

Variable Optimizer::slot(const Variable& var, double value, const std::string& slot_name,
                         const std::string& op_name) {
  auto& per_var = slots_[slot_name];
  auto it = per_var.find(var.data().get());
  if (it != per_var.end()) return it->second;
  const TensorShape shape = var.shape();
  const DType dtype = var.dtype();
  // A fully known shape is a constant; otherwise the slot takes the shape of
  // the variable's initial value at run time.
  auto dims = [&] {
    if (!shape.fully_defined()) return tf::shape(var.initial_value());
    return constant(np::Array::from_vector(
        std::vector<int32_t>(shape.dims().begin(), shape.dims().end()),
        {static_cast<int64_t>(shape.rank())}));
  };
  Variable s([&] { return tf::fill(dims(), constant(value, dtype)); },
             VariableOptions{.trainable = false,
                             .name = var.op().name() + "/" + op_name,
                             .validate_shape = shape.fully_defined()});
  per_var.emplace(var.data().get(), s);
  return s;
}

Variable Optimizer::non_slot(const Hyper& value, const std::string& name) {
  const auto key = std::make_pair(name, get_default_graph().data().get());
  auto it = non_slots_.find(key);
  if (it != non_slots_.end()) return it->second;
  const TensorLike init = value.is_tensor() ? TensorLike(value.to_tensor(""))
                                            : TensorLike(value.value());
  Variable v(init, VariableOptions{.trainable = false, .name = name, .dtype = float32});
  non_slots_.emplace(key, v);
  return v;
}

}  // namespace tf::train
