// keras.optimizers.SGD: momentum (and Nesterov) SGD, one fused
// KerasSGDUpdate per parameter; `moments` start at 0.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/keras_training_ops.h"
#include "keraspp/ops/math_ops.h"
#include "optimizer_impl.h"

namespace keras::optimizers {

namespace {

struct SGDImpl : OptimizerImpl {
  explicit SGDImpl(const SGDOptions& o)
      : OptimizerImpl("SGD", o.lr, o.decay, o.clip), momentum(o.momentum), nesterov(o.nesterov) {}

  std::vector<tf::Operation> apply(const std::vector<tf::Variable>& params,
                                   const std::vector<tf::Tensor>& grads) override {
    tf::Tensor lr_t = decayed_lr();
    std::vector<tf::Operation> ups;
    for (size_t i = 0; i < params.size(); ++i) {
      const tf::Variable& p = params[i];
      tf::Variable m = zeros_like(p);
      ups.push_back(tf::keras_sgd_update(p.ref(), m.ref(), as(lr_t, p.dtype()),
                                         tf::constant(momentum, p.dtype()), grads[i], nesterov)
                        .op());
    }
    return ups;
  }
  std::map<std::string, double> config() const override {
    return {{"momentum", static_cast<float>(momentum)},
            {"decay", static_cast<float>(initial_decay)},
            {"nesterov", nesterov ? 1.0 : 0.0}};
  }

  double momentum;
  bool nesterov;
};

}  // namespace

SGD::SGD(const SGDOptions& opts) : Optimizer(std::make_shared<SGDImpl>(opts)) {}

}  // namespace keras::optimizers
