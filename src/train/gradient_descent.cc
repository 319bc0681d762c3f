// tf.train.GradientDescentOptimizer.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/sparse_training_ops.h"
#include "keraspp/ops/training_ops.h"
#include "keraspp/train/optimizer.h"

namespace tf::train {

GradientDescentOptimizer::GradientDescentOptimizer(Hyper learning_rate, bool use_locking,
                                                   const std::string& name)
    : Optimizer(name, use_locking), lr_(std::move(learning_rate)) {}

void GradientDescentOptimizer::prepare() { lr_t_ = lr_.to_tensor("learning_rate"); }

Operation GradientDescentOptimizer::apply_dense(const Tensor& grad, const Variable& var) {
  return apply_gradient_descent(var.ref(), cast(lr_t_, var.dtype()), grad).op();
}

// TF's _apply_sparse: var[indices] -= lr * values.
Operation GradientDescentOptimizer::apply_sparse(const Tensor&, const IndexedSlices& slices,
                                                 const Variable& var) {
  return scatter_sub(var.ref(), slices.indices, slices.values * cast(lr_t_, var.dtype())).op();
}

}  // namespace tf::train
