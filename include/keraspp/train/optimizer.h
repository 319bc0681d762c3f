// tf::train::Optimizer: compute_gradients / apply_gradients / minimize, with
// slot variables named "<var>/<OptimizerName>" (then "_1", ...). Each
// concrete optimizer applies one fused update op per variable.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/variables/variable.h"

namespace tf::train {

using GradsAndVars = std::vector<std::pair<Tensor, Variable>>;

struct MinimizeOptions {
  std::optional<Variable> global_step = std::nullopt;
  std::optional<std::vector<Variable>> var_list = std::nullopt;
  std::string name = "";
};

class Optimizer {
 public:
  explicit Optimizer(std::string name, bool use_locking = false)
      : name_(std::move(name)), use_locking_(use_locking) {}
  virtual ~Optimizer() = default;

  // (gradient, variable) for every trainable variable (or var_list); the
  // gradient is empty where the loss does not depend on the variable.
  GradsAndVars compute_gradients(const Tensor& loss,
                                 std::optional<std::vector<Variable>> var_list = std::nullopt);
  // One update op per variable, grouped; increments global_step when given.
  // ValueError "No gradients provided for any variable" when all are empty.
  Operation apply_gradients(const GradsAndVars& grads_and_vars,
                            std::optional<Variable> global_step = std::nullopt,
                            const std::string& name = "");
  Operation minimize(const Tensor& loss, const MinimizeOptions& opts = {});

  const std::string& get_name() const { return name_; }
  // The slot `slot_name` of `var` ("accumulator", "m", ...), if created.
  std::optional<Variable> get_slot(const Variable& var, const std::string& slot_name) const;
  std::vector<std::string> get_slot_names() const;

 protected:
  // Hooks for concrete optimizers (called inside apply_gradients).
  virtual void create_slots(const std::vector<Variable>& vars) {}
  virtual void prepare() {}
  // The fused update of one variable.
  virtual Operation apply_dense(const Tensor& grad, const Variable& var) = 0;
  // Final op grouping the updates (Adam also updates its beta powers here).
  virtual Operation finish(const std::vector<Operation>& update_ops, const std::string& name);

  // A slot variable shaped like `var`, initialised to `value`, named
  // "<var op name>/<op_name>" (uniquified: "Adam", "Adam_1").
  Variable slot(const Variable& var, double value, const std::string& slot_name,
                const std::string& op_name);
  // A non-slot variable (Adam's beta1_power), created once per graph.
  Variable non_slot(double value, const std::string& name);

  bool use_locking() const { return use_locking_; }

 private:
  std::string name_;
  bool use_locking_;
  std::map<std::string, std::map<VariableData*, Variable>> slots_;
  std::map<std::string, Variable> non_slots_;
};

// var -= learning_rate * grad.
class GradientDescentOptimizer : public Optimizer {
 public:
  explicit GradientDescentOptimizer(double learning_rate, bool use_locking = false,
                                    const std::string& name = "GradientDescent");

 protected:
  void prepare() override;
  Operation apply_dense(const Tensor& grad, const Variable& var) override;

 private:
  double lr_;
  Tensor lr_t_;
};

}  // namespace tf::train
