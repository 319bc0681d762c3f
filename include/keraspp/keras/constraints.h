// keras.constraints (Keras 2.0.2): projections applied to a weight after
// each optimizer update (the optimizer assigns constraint(new_value)).
//
//   keras::layers::Dense(64, {.kernel_constraint = keras::constraints::max_norm(2.)});
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/graph/graph.h"
#include "keraspp/variables/initializers.h"

namespace keras::constraints {

// w -> constrained w. Empty = None. Carries Keras's class name and config.
class Constraint {
 public:
  using Fn = std::function<tf::Tensor(const tf::Tensor&)>;
  Constraint() = default;
  Constraint(std::nullptr_t) {}
  // "max_norm", "non_neg", "unit_norm", "min_max_norm" or the class names
  // ("MaxNorm", ...), with default arguments. ValueError "Unknown constraint: foo".
  Constraint(const char* name);
  Constraint(const std::string& name);
  Constraint(Fn fn, std::string class_name = "lambda", tf::InitializerConfig config = {});

  explicit operator bool() const { return static_cast<bool>(d_); }
  // ValueError when empty.
  tf::Tensor operator()(const tf::Tensor& w) const;
  const std::string& class_name() const;
  const tf::InitializerConfig& get_config() const;

 private:
  struct Data {
    Fn fn;
    std::string class_name;
    tf::InitializerConfig config;
  };
  std::shared_ptr<const Data> d_;
};

// Rescales slices along `axis` whose L2 norm exceeds max_value:
// w * clip(norms, 0, max_value) / (epsilon + norms).
Constraint MaxNorm(double max_value = 2.0, int axis = 0);
// w * (w >= 0).
Constraint NonNeg();
// w / (epsilon + norms).
Constraint UnitNorm(int axis = 0);
// w * (rate * clip(norms, min, max) + (1 - rate) * norms) / (epsilon + norms).
Constraint MinMaxNorm(double min_value = 0.0, double max_value = 1.0, double rate = 1.0, int axis = 0);

inline Constraint max_norm(double max_value = 2.0, int axis = 0) { return MaxNorm(max_value, axis); }
inline Constraint non_neg() { return NonNeg(); }
inline Constraint unit_norm(int axis = 0) { return UnitNorm(axis); }
inline Constraint min_max_norm(double min_value = 0.0, double max_value = 1.0, double rate = 1.0,
                               int axis = 0) {
  return MinMaxNorm(min_value, max_value, rate, axis);
}

Constraint get(const std::string& name);

}  // namespace keras::constraints
