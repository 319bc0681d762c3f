// keras.optimizers (Keras 2.0.2): SGD, RMSprop, Adagrad, Adadelta, Adam,
// Adamax, Nadam with Keras's defaults and update rules. Optimizers are handles
// (a shared pointer inside) so `keras::optimizers::Adagrad()` passes by value
// and stays the same object: compile() keeps it, callbacks change its lr.
//
// Each parameter's step is ONE fused kernel (src/ops/keras_training_ops.cc)
// updating the parameter and its accumulators in place; constraints are
// applied after the update. The hyper-parameters lr, decay and the step
// counter `iterations` are variables (as K.variable in Keras), created in
// the default graph on first use, so changing lr needs no new plan.
#pragma once
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/variables/variable.h"

namespace keras::optimizers {

// A weight constraint: new value -> constrained value (keras.constraints).
using ConstraintFn = std::function<tf::Tensor(const tf::Tensor&)>;
// param -> its constraint (Keras's `constraints` dict of get_updates).
using ConstraintMap = std::vector<std::pair<tf::Variable, ConstraintFn>>;

struct OptimizerImpl;  // src/keras/optimizers/optimizer_impl.h

class Optimizer {
 public:
  // No optimizer (compile raises if given none).
  Optimizer() = default;
  // keras.optimizers.get: "sgd", "rmsprop", "adagrad", "adadelta", "adam",
  // "adamax", "nadam" (case-insensitive, as Keras's deserialize) with their
  // defaults; ValueError "Unknown optimizer: foo" otherwise.
  Optimizer(const char* name);
  Optimizer(const std::string& name);
  explicit Optimizer(std::shared_ptr<OptimizerImpl> impl) : impl_(std::move(impl)) {}

  explicit operator bool() const { return static_cast<bool>(impl_); }

  // The update ops of one step minimising `loss` over `params` (Keras's
  // get_updates(params, constraints, loss)); run them together. The update
  // ops (not the gradients) wait for `wait_for`, as K.function builds its
  // assigns under control_dependencies(outputs).
  std::vector<tf::Operation> get_updates(const std::vector<tf::Variable>& params,
                                         const ConstraintMap& constraints, const tf::Tensor& loss,
                                         const std::vector<tf::Operation>& wait_for = {});
  // d loss / d param for each param, clipped by clipnorm / clipvalue if set.
  std::vector<tf::Tensor> get_gradients(const tf::Tensor& loss,
                                        const std::vector<tf::Variable>& params);

  // "SGD", "Adagrad", ... (Keras's class name, used by serialization).
  const std::string& class_name() const;
  // Keras's get_config(): {"lr": 0.01, "epsilon": 1e-08, "decay": 0.0} etc.
  // (booleans as 0/1; clipnorm/clipvalue only when set).
  std::map<std::string, double> get_config() const;

  // K.get_value(optimizer.lr) / K.set_value(optimizer.lr, v): the variable's
  // value once created (float32, as Keras's), else the configured value.
  double get_lr() const;
  void set_lr(double lr) const;
  // The variables (created in the default graph on first call).
  tf::Variable lr() const;
  tf::Variable iterations() const;
  // The accumulators and other state created by get_updates (Keras's weights).
  std::vector<tf::Variable> weights() const;

  const std::shared_ptr<OptimizerImpl>& impl() const { return impl_; }

 protected:
  std::shared_ptr<OptimizerImpl> impl_;
};

// Gradient clipping common to all optimizers (Keras's **kwargs).
struct ClipOptions {
  std::optional<double> clipnorm = std::nullopt;   // rescale all grads if global norm exceeds it
  std::optional<double> clipvalue = std::nullopt;  // clip each element to [-v, v]
};

// v = momentum*m - lr*g; m = v; p += v (nesterov: p += momentum*v - lr*g).
struct SGDOptions {
  double lr = 0.01;
  double momentum = 0.;
  double decay = 0.;
  bool nesterov = false;
  ClipOptions clip = {};
};
class SGD : public Optimizer {
 public:
  explicit SGD(const SGDOptions& opts = {});
};

// a = rho*a + (1-rho)*g^2; p -= lr*g/(sqrt(a)+epsilon).
struct RMSpropOptions {
  double lr = 0.001;
  double rho = 0.9;
  double epsilon = 1e-8;
  double decay = 0.;
  ClipOptions clip = {};
};
class RMSprop : public Optimizer {
 public:
  explicit RMSprop(const RMSpropOptions& opts = {});
};

// a += g^2 (a from 0); p -= lr*g/(sqrt(a)+epsilon).
struct AdagradOptions {
  double lr = 0.01;
  double epsilon = 1e-8;
  double decay = 0.;
  ClipOptions clip = {};
};
class Adagrad : public Optimizer {
 public:
  explicit Adagrad(const AdagradOptions& opts = {});
};

// a = rho*a + (1-rho)*g^2; u = g*sqrt(d+eps)/sqrt(a+eps); p -= lr*u;
// d = rho*d + (1-rho)*u^2.
struct AdadeltaOptions {
  double lr = 1.0;
  double rho = 0.95;
  double epsilon = 1e-8;
  double decay = 0.;
  ClipOptions clip = {};
};
class Adadelta : public Optimizer {
 public:
  explicit Adadelta(const AdadeltaOptions& opts = {});
};

// t = iterations+1; lr_t = lr*sqrt(1-b2^t)/(1-b1^t); m = b1*m + (1-b1)*g;
// v = b2*v + (1-b2)*g^2; p -= lr_t*m/(sqrt(v)+epsilon).
struct AdamOptions {
  double lr = 0.001;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-8;
  double decay = 0.;
  ClipOptions clip = {};
};
class Adam : public Optimizer {
 public:
  explicit Adam(const AdamOptions& opts = {});
};

// lr_t = lr/(1-b1^t); m = b1*m + (1-b1)*g; u = max(b2*u, |g|);
// p -= lr_t*m/(u+epsilon).
struct AdamaxOptions {
  double lr = 0.002;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-8;
  double decay = 0.;
  ClipOptions clip = {};
};
class Adamax : public Optimizer {
 public:
  explicit Adamax(const AdamaxOptions& opts = {});
};

// Adam with Nesterov momentum and Keras's warming momentum schedule
// (mu_t = b1*(1 - 0.5*0.96^(t*schedule_decay))).
struct NadamOptions {
  double lr = 0.002;
  double beta_1 = 0.9;
  double beta_2 = 0.999;
  double epsilon = 1e-8;
  double schedule_decay = 0.004;
  ClipOptions clip = {};
};
class Nadam : public Optimizer {
 public:
  explicit Nadam(const NadamOptions& opts = {});
};

// keras.optimizers.get.
Optimizer get(const std::string& name);

// Lower-case aliases Keras exports (keras.optimizers.sgd is SGD, ...).
using sgd = SGD;
using rmsprop = RMSprop;
using adagrad = Adagrad;
using adadelta = Adadelta;
using adam = Adam;
using adamax = Adamax;
using nadam = Nadam;

}  // namespace keras::optimizers
