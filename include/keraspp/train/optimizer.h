// tf::train optimizers: compute_gradients / apply_gradients / minimize, with
// slot variables named "<var>/<OptimizerName>" (then "_1", ...) created in
// TF 1.x's order. Each concrete optimizer applies one fused update op per
// variable (ApplyAdam, ApplyAdagrad, ... in ops/training_ops.h).
#pragma once
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/ops/gather_ops.h"
#include "keraspp/variables/variable.h"

namespace tf::train {

using GradsAndVars = std::vector<std::pair<Tensor, Variable>>;

// A hyper-parameter given as a number or as a tensor (TF accepts both; a
// tensor lets it change during training, e.g. a decayed learning rate).
class Hyper {
 public:
  Hyper(double value) : value_(value) {}
  Hyper(const Tensor& t) : tensor_(t) {}
  Hyper(const Variable& v) : tensor_(v.value()) {}

  bool is_tensor() const { return static_cast<bool>(tensor_); }
  double value() const { return value_; }
  // The tensor, or a float32 Const named `name` (TF's convert_to_tensor).
  Tensor to_tensor(const std::string& name) const;

 private:
  double value_ = 0.0;
  Tensor tensor_;
};

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
  // ValueError "No variables to optimize." when there are none.
  GradsAndVars compute_gradients(const Tensor& loss,
                                 std::optional<std::vector<Variable>> var_list = std::nullopt);
  // Creates the slots, then one update op per variable with a gradient,
  // grouped into one op named like the optimizer; increments global_step
  // after all updates when given. ValueError when no gradient is given.
  Operation apply_gradients(const GradsAndVars& grads_and_vars,
                            std::optional<Variable> global_step = std::nullopt,
                            const std::string& name = "");
  // compute_gradients + apply_gradients; ValueError "No gradients provided
  // for any variable, check your graph ..." when the loss reaches none.
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
  // The update of one variable whose gradient is a gather's (TF's
  // IndexedSlices, tf::indexed_slices): touches only the rows named by
  // slices.indices. `dense` is the same gradient as a tensor; by default the
  // dense update runs on it (an optimizer without a sparse form).
  virtual Operation apply_sparse(const Tensor& dense, const IndexedSlices& slices, const Variable& var) {
    return apply_dense(dense, var);
  }
  // Final op grouping the updates, named exactly `name` (Adam also updates
  // its beta powers here, after the updates).
  virtual Operation finish(const std::vector<Operation>& update_ops, const std::string& name);

  // A slot variable shaped like `var`, initialised to `value`, named
  // "<var op name>/<op_name>" (uniquified: "Adam", "Adam_1").
  Variable slot(const Variable& var, double value, const std::string& slot_name,
                const std::string& op_name);
  // A float32 non-slot variable (Adam's beta1_power), created once per graph
  // in the current name scope.
  Variable non_slot(const Hyper& value, const std::string& name);

  bool use_locking() const { return use_locking_; }

 private:
  std::string name_;
  bool use_locking_;
  std::map<std::string, std::map<VariableData*, Variable>> slots_;
  std::map<std::pair<std::string, GraphData*>, Variable> non_slots_;
};

// var -= learning_rate * grad.
class GradientDescentOptimizer : public Optimizer {
 public:
  explicit GradientDescentOptimizer(Hyper learning_rate, bool use_locking = false,
                                    const std::string& name = "GradientDescent");

 protected:
  void prepare() override;
  Operation apply_dense(const Tensor& grad, const Variable& var) override;
  Operation apply_sparse(const Tensor& dense, const IndexedSlices& slices, const Variable& var) override;

 private:
  Hyper lr_;
  Tensor lr_t_;
};

struct MomentumOptions {
  bool use_locking = false;
  std::string name = "Momentum";
  bool use_nesterov = false;
};

// Slot "momentum" ("<var>/Momentum"), from zeros:
// accum = momentum * accum + grad; var -= lr * accum (Nesterov: see apply_momentum).
class MomentumOptimizer : public Optimizer {
 public:
  MomentumOptimizer(Hyper learning_rate, Hyper momentum, const MomentumOptions& opts = {});

 protected:
  void create_slots(const std::vector<Variable>& vars) override;
  void prepare() override;
  Operation apply_dense(const Tensor& grad, const Variable& var) override;
  Operation apply_sparse(const Tensor& dense, const IndexedSlices& slices, const Variable& var) override;

 private:
  Hyper lr_, momentum_;
  bool use_nesterov_;
  Tensor lr_t_, momentum_t_;
};

struct AdagradOptions {
  double initial_accumulator_value = 0.1;
  bool use_locking = false;
  std::string name = "Adagrad";
};

// Slot "accumulator" ("<var>/Adagrad"), from initial_accumulator_value:
// accum += grad^2; var -= lr * grad / sqrt(accum).
class AdagradOptimizer : public Optimizer {
 public:
  explicit AdagradOptimizer(Hyper learning_rate, const AdagradOptions& opts = {});

 protected:
  void create_slots(const std::vector<Variable>& vars) override;
  void prepare() override;
  Operation apply_dense(const Tensor& grad, const Variable& var) override;
  Operation apply_sparse(const Tensor& dense, const IndexedSlices& slices, const Variable& var) override;

 private:
  Hyper lr_;
  double initial_accumulator_value_;
  Tensor lr_t_;
};

struct AdamOptions {
  Hyper beta1 = 0.9;
  Hyper beta2 = 0.999;
  Hyper epsilon = 1e-8;
  bool use_locking = false;
  std::string name = "Adam";
};

// Non-slot variables beta1_power, beta2_power (created first, from beta1 and
// beta2), slots "m" ("<var>/Adam") and "v" ("<var>/Adam_1") from zeros:
// lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t); m, v moving averages of g, g^2;
// var -= lr_t * m / (sqrt(v) + epsilon); the beta powers advance after all updates.
class AdamOptimizer : public Optimizer {
 public:
  explicit AdamOptimizer(Hyper learning_rate = 0.001, const AdamOptions& opts = {});

 protected:
  void create_slots(const std::vector<Variable>& vars) override;
  void prepare() override;
  Operation apply_dense(const Tensor& grad, const Variable& var) override;
  Operation finish(const std::vector<Operation>& update_ops, const std::string& name) override;

 private:
  Hyper lr_, beta1_, beta2_, epsilon_;
  Variable beta1_power_, beta2_power_;
  Tensor lr_t_, beta1_t_, beta2_t_, epsilon_t_;
};

struct RMSPropOptions {
  Hyper decay = 0.9;
  Hyper momentum = 0.0;
  Hyper epsilon = 1e-10;
  bool use_locking = false;
  bool centered = false;
  std::string name = "RMSProp";
};

// Slots, per variable in this order: "rms" (from ones), "mg" (centered only,
// from zeros), "momentum" (from zeros): "<var>/RMSProp", "<var>/RMSProp_1", ...
// ms += (g^2 - ms)(1 - decay); mom = momentum * mom + lr * g / sqrt(ms [- mg^2] + eps);
// var -= mom.
class RMSPropOptimizer : public Optimizer {
 public:
  explicit RMSPropOptimizer(Hyper learning_rate, const RMSPropOptions& opts = {});

 protected:
  void create_slots(const std::vector<Variable>& vars) override;
  void prepare() override;
  Operation apply_dense(const Tensor& grad, const Variable& var) override;
  Operation apply_sparse(const Tensor& dense, const IndexedSlices& slices, const Variable& var) override;

 private:
  Hyper lr_, decay_, momentum_, epsilon_;
  bool centered_;
  Tensor lr_t_, decay_t_, momentum_t_, epsilon_t_;
};

struct AdadeltaOptions {
  Hyper rho = 0.95;
  Hyper epsilon = 1e-8;
  bool use_locking = false;
  std::string name = "Adadelta";
};

// Slots "accum" ("<var>/Adadelta") and "accum_update" ("<var>/Adadelta_1"),
// from zeros; update rule in apply_adadelta.
class AdadeltaOptimizer : public Optimizer {
 public:
  explicit AdadeltaOptimizer(Hyper learning_rate = 0.001, const AdadeltaOptions& opts = {});

 protected:
  void create_slots(const std::vector<Variable>& vars) override;
  void prepare() override;
  Operation apply_dense(const Tensor& grad, const Variable& var) override;

 private:
  Hyper lr_, rho_, epsilon_;
  Tensor lr_t_, rho_t_, epsilon_t_;
};

}  // namespace tf::train
