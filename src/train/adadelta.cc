// tf.train.AdadeltaOptimizer (Zeiler): slots "accum" and "accum_update".
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/training_ops.h"
#include "keraspp/train/optimizer.h"

namespace tf::train {

AdadeltaOptimizer::AdadeltaOptimizer(Hyper learning_rate, const AdadeltaOptions& opts)
    : Optimizer(opts.name, opts.use_locking),
      lr_(std::move(learning_rate)),
      rho_(opts.rho),
      epsilon_(opts.epsilon) {}

void AdadeltaOptimizer::create_slots(const std::vector<Variable>& vars) {
  for (const Variable& v : vars) {
    slot(v, 0.0, "accum", get_name());
    slot(v, 0.0, "accum_update", get_name());
  }
}

void AdadeltaOptimizer::prepare() {
  lr_t_ = lr_.to_tensor("lr");
  rho_t_ = rho_.to_tensor("rho");
  epsilon_t_ = epsilon_.to_tensor("epsilon");
}

Operation AdadeltaOptimizer::apply_dense(const Tensor& grad, const Variable& var) {
  const DType t = var.dtype();
  const Variable accum = *get_slot(var, "accum");
  const Variable accum_update = *get_slot(var, "accum_update");
  return apply_adadelta(var.ref(), accum.ref(), accum_update.ref(), cast(lr_t_, t),
                        cast(rho_t_, t), cast(epsilon_t_, t), grad)
      .op();
}

}  // namespace tf::train
