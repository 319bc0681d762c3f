// tf.train.MomentumOptimizer: one slot, "momentum", per variable.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/sparse_training_ops.h"
#include "keraspp/ops/training_ops.h"
#include "keraspp/train/optimizer.h"

namespace tf::train {

MomentumOptimizer::MomentumOptimizer(Hyper learning_rate, Hyper momentum,
                                     const MomentumOptions& opts)
    : Optimizer(opts.name, opts.use_locking),
      lr_(std::move(learning_rate)),
      momentum_(std::move(momentum)),
      use_nesterov_(opts.use_nesterov) {}

void MomentumOptimizer::create_slots(const std::vector<Variable>& vars) {
  for (const Variable& v : vars) slot(v, 0.0, "momentum", get_name());
}

void MomentumOptimizer::prepare() {
  lr_t_ = lr_.to_tensor("learning_rate");
  momentum_t_ = momentum_.to_tensor("momentum");
}

Operation MomentumOptimizer::apply_dense(const Tensor& grad, const Variable& var) {
  const Variable accum = *get_slot(var, "momentum");
  return apply_momentum(var.ref(), accum.ref(), cast(lr_t_, var.dtype()), grad,
                        cast(momentum_t_, var.dtype()), use_nesterov_)
      .op();
}

Operation MomentumOptimizer::apply_sparse(const Tensor&, const IndexedSlices& slices,
                                          const Variable& var) {
  const Variable accum = *get_slot(var, "momentum");
  return sparse_apply_momentum(var.ref(), accum.ref(), cast(lr_t_, var.dtype()), slices.values,
                               slices.indices, cast(momentum_t_, var.dtype()), use_nesterov_)
      .op();
}

}  // namespace tf::train
