// keras.optimizers RMSprop, Adagrad and Adadelta: per-parameter accumulators
// (starting at 0, as Keras's K.zeros) and one fused update op each.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/keras_training_ops.h"
#include "keraspp/ops/math_ops.h"
#include "optimizer_impl.h"

namespace keras::optimizers {

namespace {

tf::Tensor c(double v, tf::DType t) { return tf::constant(v, t); }

struct RMSpropImpl : OptimizerImpl {
  explicit RMSpropImpl(const RMSpropOptions& o)
      : OptimizerImpl("RMSprop", o.lr, o.decay, o.clip), rho(o.rho), epsilon(o.epsilon) {}

  std::vector<tf::Operation> apply(const std::vector<tf::Variable>& params,
                                   const std::vector<tf::Tensor>& grads) override {
    tf::Tensor lr_t = decayed_lr();
    std::vector<tf::Operation> ups;
    for (size_t i = 0; i < params.size(); ++i) {
      const tf::Variable& p = params[i];
      tf::Variable a = zeros_like(p);
      const tf::DType t = p.dtype();
      ups.push_back(tf::keras_rmsprop_update(p.ref(), a.ref(), as(lr_t, t), c(rho, t),
                                             c(epsilon, t), grads[i])
                        .op());
    }
    return ups;
  }
  std::map<std::string, double> config() const override {
    return {{"rho", static_cast<float>(rho)},
            {"decay", static_cast<float>(initial_decay)},
            {"epsilon", epsilon}};
  }

  double rho, epsilon;
};

struct AdagradImpl : OptimizerImpl {
  explicit AdagradImpl(const AdagradOptions& o)
      : OptimizerImpl("Adagrad", o.lr, o.decay, o.clip), epsilon(o.epsilon) {}

  std::vector<tf::Operation> apply(const std::vector<tf::Variable>& params,
                                   const std::vector<tf::Tensor>& grads) override {
    tf::Tensor lr_t = decayed_lr();
    std::vector<tf::Operation> ups;
    for (size_t i = 0; i < params.size(); ++i) {
      const tf::Variable& p = params[i];
      tf::Variable a = zeros_like(p);
      const tf::DType t = p.dtype();
      ups.push_back(
          tf::keras_adagrad_update(p.ref(), a.ref(), as(lr_t, t), c(epsilon, t), grads[i]).op());
    }
    return ups;
  }
  std::map<std::string, double> config() const override {
    return {{"decay", static_cast<float>(initial_decay)}, {"epsilon", epsilon}};
  }

  double epsilon;
};

struct AdadeltaImpl : OptimizerImpl {
  explicit AdadeltaImpl(const AdadeltaOptions& o)
      : OptimizerImpl("Adadelta", o.lr, o.decay, o.clip), rho(o.rho), epsilon(o.epsilon) {}

  std::vector<tf::Operation> apply(const std::vector<tf::Variable>& params,
                                   const std::vector<tf::Tensor>& grads) override {
    tf::Tensor lr_t = decayed_lr();
    // Keras creates all accumulators, then all delta accumulators.
    std::vector<tf::Variable> accs, deltas;
    for (const auto& p : params) accs.push_back(zeros_like(p));
    for (const auto& p : params) deltas.push_back(zeros_like(p));
    std::vector<tf::Operation> ups;
    for (size_t i = 0; i < params.size(); ++i) {
      const tf::Variable& p = params[i];
      const tf::DType t = p.dtype();
      ups.push_back(tf::keras_adadelta_update(p.ref(), accs[i].ref(), deltas[i].ref(), as(lr_t, t),
                                              c(rho, t), c(epsilon, t), grads[i])
                        .op());
    }
    return ups;
  }
  std::map<std::string, double> config() const override {
    return {{"rho", rho}, {"decay", static_cast<float>(initial_decay)}, {"epsilon", epsilon}};
  }

  double rho, epsilon;
};

}  // namespace

RMSprop::RMSprop(const RMSpropOptions& opts) : Optimizer(std::make_shared<RMSpropImpl>(opts)) {}
Adagrad::Adagrad(const AdagradOptions& opts) : Optimizer(std::make_shared<AdagradImpl>(opts)) {}
Adadelta::Adadelta(const AdadeltaOptions& opts) : Optimizer(std::make_shared<AdadeltaImpl>(opts)) {}

}  // namespace keras::optimizers
