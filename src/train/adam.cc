// tf.train.AdamOptimizer (Kingma & Ba): bias-corrected moment estimates. The
// running powers beta1^t and beta2^t are non-slot variables shared by all the
// optimizer's variables, advanced once per step after every update.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/training_ops.h"
#include "keraspp/train/optimizer.h"

namespace tf::train {

AdamOptimizer::AdamOptimizer(Hyper learning_rate, const AdamOptions& opts)
    : Optimizer(opts.name, opts.use_locking),
      lr_(std::move(learning_rate)),
      beta1_(opts.beta1),
      beta2_(opts.beta2),
      epsilon_(opts.epsilon) {}

void AdamOptimizer::create_slots(const std::vector<Variable>& vars) {
  // TF 1.x creates beta1_power and beta2_power before any slot, once per graph.
  beta1_power_ = non_slot(beta1_, "beta1_power");
  beta2_power_ = non_slot(beta2_, "beta2_power");
  for (const Variable& v : vars) {
    slot(v, 0.0, "m", get_name());
    slot(v, 0.0, "v", get_name());
  }
}

void AdamOptimizer::prepare() {
  lr_t_ = lr_.to_tensor("learning_rate");
  beta1_t_ = beta1_.to_tensor("beta1");
  beta2_t_ = beta2_.to_tensor("beta2");
  epsilon_t_ = epsilon_.to_tensor("epsilon");
}

Operation AdamOptimizer::apply_dense(const Tensor& grad, const Variable& var) {
  const DType t = var.dtype();
  const Variable m = *get_slot(var, "m");
  const Variable v = *get_slot(var, "v");
  return apply_adam(var.ref(), m.ref(), v.ref(), cast(beta1_power_.value(), t),
                    cast(beta2_power_.value(), t), cast(lr_t_, t), cast(beta1_t_, t),
                    cast(beta2_t_, t), cast(epsilon_t_, t), grad)
      .op();
}

Operation AdamOptimizer::finish(const std::vector<Operation>& update_ops,
                                const std::string& name) {
  std::vector<Operation> all = update_ops;
  {
    control_dependencies deps(update_ops);
    all.push_back(beta1_power_.assign(beta1_power_.value() * cast(beta1_t_, beta1_power_.dtype())).op());
    all.push_back(beta2_power_.assign(beta2_power_.value() * cast(beta2_t_, beta2_power_.dtype())).op());
  }
  return Optimizer::finish(all, name);
}

}  // namespace tf::train
