// keras.constraints: MaxNorm, NonNeg, UnitNorm, MinMaxNorm.
#include "keraspp/keras/constraints.h"

#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

namespace keras::constraints {

namespace K = keras::backend;

namespace {

// sqrt(sum(square(w), axis, keepdims)): the norms of w's slices along axis.
tf::Tensor norms(const tf::Tensor& w, int axis) {
  return K::sqrt(K::sum(K::square(w), axis, true));
}

}  // namespace

Constraint::Constraint(const char* name) : Constraint(get(name)) {}
Constraint::Constraint(const std::string& name) : Constraint(get(name)) {}
Constraint::Constraint(Fn fn, std::string class_name, tf::InitializerConfig config)
    : d_(std::make_shared<const Data>(Data{std::move(fn), std::move(class_name), std::move(config)})) {}

tf::Tensor Constraint::operator()(const tf::Tensor& w) const {
  if (!d_) throw keraspp::ValueError("Cannot call an empty (None) constraint");
  return d_->fn(w);
}
const std::string& Constraint::class_name() const {
  static const std::string none = "None";
  return d_ ? d_->class_name : none;
}
const tf::InitializerConfig& Constraint::get_config() const {
  static const tf::InitializerConfig empty;
  return d_ ? d_->config : empty;
}

Constraint MaxNorm(double max_value, int axis) {
  return Constraint(
      [max_value, axis](const tf::Tensor& w) {
        const tf::Tensor n = norms(w, axis);
        const tf::Tensor desired = K::clip(n, 0.0, max_value);
        return tf::multiply(w, tf::divide(desired, tf::add(n, K::epsilon())));
      },
      "MaxNorm", {{"max_value", max_value}, {"axis", int64_t{axis}}});
}

Constraint NonNeg() {
  return Constraint(
      [](const tf::Tensor& w) {
        return tf::multiply(w, tf::cast(K::greater_equal(w, 0.0), w.dtype()));
      },
      "NonNeg", {});
}

Constraint UnitNorm(int axis) {
  return Constraint(
      [axis](const tf::Tensor& w) { return tf::divide(w, tf::add(norms(w, axis), K::epsilon())); },
      "UnitNorm", {{"axis", int64_t{axis}}});
}

Constraint MinMaxNorm(double min_value, double max_value, double rate, int axis) {
  return Constraint(
      [=](const tf::Tensor& w) {
        const tf::Tensor n = norms(w, axis);
        const tf::Tensor desired = tf::add(tf::multiply(K::clip(n, min_value, max_value), rate),
                                           tf::multiply(n, 1.0 - rate));
        return tf::multiply(w, tf::divide(desired, tf::add(n, K::epsilon())));
      },
      "MinMaxNorm",
      {{"min_value", min_value}, {"max_value", max_value}, {"rate", rate}, {"axis", int64_t{axis}}});
}

Constraint get(const std::string& name) {
  if (name == "max_norm" || name == "maxnorm" || name == "MaxNorm") return MaxNorm();
  if (name == "non_neg" || name == "nonneg" || name == "NonNeg") return NonNeg();
  if (name == "unit_norm" || name == "unitnorm" || name == "UnitNorm") return UnitNorm();
  if (name == "min_max_norm" || name == "MinMaxNorm") return MinMaxNorm();
  throw keraspp::ValueError("Unknown constraint: " + name);
}

}  // namespace keras::constraints
