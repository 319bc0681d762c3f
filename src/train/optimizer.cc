// Optimizer base: gradients, slots, and grouping of the per-variable updates.
#include "keraspp/train/optimizer.h"

#include "keraspp/autodiff/gradients.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/state_ops.h"

namespace tf::train {

GradsAndVars Optimizer::compute_gradients(const Tensor& loss,
                                          std::optional<std::vector<Variable>> var_list) {
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
  std::vector<Variable> vars;
  std::string names;
  for (const auto& [g, v] : grads_and_vars) {
    if (g) vars.push_back(v);
    names += (names.empty() ? "" : ", ") + v.name();
  }
  if (vars.empty())
    throw keraspp::ValueError("No gradients provided for any variable, check your graph for ops "
                              "that do not support gradients, between variables [" + names +
                              "] and loss.");
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
    updates.push_back(apply_dense(g, v));
  }
  const std::string final_name = scope.name().substr(0, scope.name().size() - 1);
  if (!global_step) return finish(updates, final_name);
  Operation done = finish(updates, "update");
  control_dependencies deps({done});
  return assign_add(global_step->ref(), 1, final_name + "/").op();
}

Operation Optimizer::minimize(const Tensor& loss, const MinimizeOptions& opts) {
  return apply_gradients(compute_gradients(loss, opts.var_list), opts.global_step, opts.name);
}

Operation Optimizer::finish(const std::vector<Operation>& update_ops, const std::string& name) {
  // An op named exactly `name` (the scope's own name, as TF names train ops).
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
  Variable s(
      [&] { return tf::fill(constant(np::Array::from_vector(
                            std::vector<int32_t>(shape.dims().begin(), shape.dims().end()),
                            {static_cast<int64_t>(shape.rank())})),
                        constant(value, dtype)); },
      VariableOptions{.trainable = false, .name = var.op().name() + "/" + op_name});
  per_var.emplace(var.data().get(), s);
  return s;
}

Variable Optimizer::non_slot(double value, const std::string& name) {
  auto it = non_slots_.find(name);
  if (it != non_slots_.end()) return it->second;
  Variable v(value, VariableOptions{.trainable = false, .name = name, .dtype = float32});
  non_slots_.emplace(name, v);
  return v;
}

}  // namespace tf::train
