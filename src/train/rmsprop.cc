// tf.train.RMSPropOptimizer: slots "rms" (from ones, so early steps are not
// huge), "mg" when centered, and "momentum", created in that order per variable.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/sparse_training_ops.h"
#include "keraspp/ops/training_ops.h"
#include "keraspp/train/optimizer.h"

namespace tf::train {

RMSPropOptimizer::RMSPropOptimizer(Hyper learning_rate, const RMSPropOptions& opts)
    : Optimizer(opts.name, opts.use_locking),
      lr_(std::move(learning_rate)),
      decay_(opts.decay),
      momentum_(opts.momentum),
      epsilon_(opts.epsilon),
      centered_(opts.centered) {}

void RMSPropOptimizer::create_slots(const std::vector<Variable>& vars) {
  for (const Variable& v : vars) {
    slot(v, 1.0, "rms", get_name());
    if (centered_) slot(v, 0.0, "mg", get_name());
    slot(v, 0.0, "momentum", get_name());
  }
}

void RMSPropOptimizer::prepare() {
  lr_t_ = lr_.to_tensor("learning_rate");
  decay_t_ = decay_.to_tensor("decay");
  momentum_t_ = momentum_.to_tensor("momentum");
  epsilon_t_ = epsilon_.to_tensor("epsilon");
}

Operation RMSPropOptimizer::apply_dense(const Tensor& grad, const Variable& var) {
  const DType t = var.dtype();
  const Variable rms = *get_slot(var, "rms");
  const Variable mom = *get_slot(var, "momentum");
  if (centered_) {
    const Variable mg = *get_slot(var, "mg");
    return apply_centered_rms_prop(var.ref(), mg.ref(), rms.ref(), mom.ref(), cast(lr_t_, t),
                                   cast(decay_t_, t), cast(momentum_t_, t), cast(epsilon_t_, t),
                                   grad)
        .op();
  }
  return apply_rms_prop(var.ref(), rms.ref(), mom.ref(), cast(lr_t_, t), cast(decay_t_, t),
                        cast(momentum_t_, t), cast(epsilon_t_, t), grad)
      .op();
}

// The centered form has no sparse op here: it updates densely.
Operation RMSPropOptimizer::apply_sparse(const Tensor& dense, const IndexedSlices& slices,
                                         const Variable& var) {
  if (centered_) return apply_dense(dense, var);
  const DType t = var.dtype();
  const Variable rms = *get_slot(var, "rms");
  const Variable mom = *get_slot(var, "momentum");
  return sparse_apply_rms_prop(var.ref(), rms.ref(), mom.ref(), cast(lr_t_, t), cast(decay_t_, t),
                               cast(momentum_t_, t), cast(epsilon_t_, t), slices.values,
                               slices.indices)
      .op();
}

}  // namespace tf::train
