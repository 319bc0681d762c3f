// keras.regularizers (Keras 2.0.2): penalties on weights or activations that
// a layer adds to its losses (and compile() to the total loss).
//
//   keras::layers::Dense(64, {.kernel_regularizer = keras::regularizers::l2(0.01)});
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "keraspp/graph/graph.h"

namespace keras::regularizers {

// A regularizer: x -> scalar penalty. Empty = None. Built-ins are L1L2
// (class name "L1L2", config {'l1': ..., 'l2': ...}); any callable works.
class Regularizer {
 public:
  using Fn = std::function<tf::Tensor(const tf::Tensor&)>;
  Regularizer() = default;
  Regularizer(std::nullptr_t) {}
  // By name: "l1", "l2", "l1_l2" (their default factors) or "L1L2" (zero).
  // ValueError "Unknown regularizer: foo".
  Regularizer(const char* name);
  Regularizer(const std::string& name);
  Regularizer(Fn fn, std::string class_name = "lambda", double l1 = 0.0, double l2 = 0.0);

  explicit operator bool() const { return static_cast<bool>(d_); }
  // ValueError when empty.
  tf::Tensor operator()(const tf::Tensor& x) const;
  const std::string& class_name() const;
  // The L1L2 factors (0 for other regularizers).
  double l1() const;
  double l2() const;

 private:
  struct Data {
    Fn fn;
    std::string class_name;
    double l1, l2;
  };
  std::shared_ptr<const Data> d_;
};

// sum(l1 * abs(x)) + sum(l2 * square(x)), each term only when its factor is
// non-zero (a zero L1L2 gives the constant 0).
Regularizer L1L2(double l1 = 0.0, double l2 = 0.0);
Regularizer l1(double l = 0.01);
Regularizer l2(double l = 0.01);
Regularizer l1_l2(double l1 = 0.01, double l2 = 0.01);

Regularizer get(const std::string& name);

}  // namespace keras::regularizers
