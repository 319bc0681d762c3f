// tf.train.AdagradOptimizer: one slot, "accumulator", per variable, starting
// at initial_accumulator_value (0.1) so the first step divides by no zero.
#include <cmath>
#include <cstdio>
#include <string>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/sparse_training_ops.h"
#include "keraspp/ops/training_ops.h"
#include "keraspp/train/optimizer.h"

namespace tf::train {

namespace {

// Python's repr of a float: the shortest round-tripping digits, "0.0" style.
std::string python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

}  // namespace

AdagradOptimizer::AdagradOptimizer(Hyper learning_rate, const AdagradOptions& opts)
    : Optimizer(opts.name, opts.use_locking),
      lr_(std::move(learning_rate)),
      initial_accumulator_value_(opts.initial_accumulator_value) {
  if (!(initial_accumulator_value_ > 0.0))
    throw keraspp::ValueError("initial_accumulator_value must be positive: " +
                              python_float(initial_accumulator_value_));
}

void AdagradOptimizer::create_slots(const std::vector<Variable>& vars) {
  for (const Variable& v : vars) slot(v, initial_accumulator_value_, "accumulator", get_name());
}

void AdagradOptimizer::prepare() { lr_t_ = lr_.to_tensor("learning_rate"); }

Operation AdagradOptimizer::apply_dense(const Tensor& grad, const Variable& var) {
  const Variable accum = *get_slot(var, "accumulator");
  return apply_adagrad(var.ref(), accum.ref(), cast(lr_t_, var.dtype()), grad).op();
}

Operation AdagradOptimizer::apply_sparse(const Tensor&, const IndexedSlices& slices,
                                         const Variable& var) {
  const Variable accum = *get_slot(var, "accumulator");
  return sparse_apply_adagrad(var.ref(), accum.ref(), cast(lr_t_, var.dtype()), slices.values,
                              slices.indices)
      .op();
}

}  // namespace tf::train
