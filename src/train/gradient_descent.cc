// tf.train.GradientDescentOptimizer.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/training_ops.h"
#include "keraspp/train/optimizer.h"

namespace tf::train {

GradientDescentOptimizer::GradientDescentOptimizer(double learning_rate, bool use_locking,
                                                   const std::string& name)
    : Optimizer(name, use_locking), lr_(learning_rate) {}

void GradientDescentOptimizer::prepare() { lr_t_ = constant(lr_, float32, "learning_rate"); }

Operation GradientDescentOptimizer::apply_dense(const Tensor& grad, const Variable& var) {
  return apply_gradient_descent(var.ref(), cast(lr_t_, var.dtype()), grad).op();
}

}  // namespace tf::train
