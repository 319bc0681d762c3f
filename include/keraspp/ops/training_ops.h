// Fused optimizer updates (TF's training ops): each updates one variable (and
// its slots) in place in a single kernel and returns the updated variable.
// `var` and the slots are VariableV2 refs shaped like `grad`; hyper-parameters
// (lr, momentum, beta1, ...) are scalar tensors of the variable's dtype.
// Input order and update rules are TF 1.x's.
#pragma once
#include "keraspp/ops/builder.h"

namespace tf {

// var -= alpha * delta
Tensor apply_gradient_descent(const Tensor& var, const Tensor& alpha, const Tensor& delta,
                              const std::string& name = "ApplyGradientDescent");

// accum = accum * momentum + grad
// var -= lr * accum                                   (use_nesterov = false)
// var -= lr * grad + lr * momentum * accum            (use_nesterov = true)
Tensor apply_momentum(const Tensor& var, const Tensor& accum, const Tensor& lr,
                      const Tensor& grad, const Tensor& momentum, bool use_nesterov = false,
                      const std::string& name = "ApplyMomentum");

// accum += grad^2; var -= lr * grad / sqrt(accum)
Tensor apply_adagrad(const Tensor& var, const Tensor& accum, const Tensor& lr, const Tensor& grad,
                     const std::string& name = "ApplyAdagrad");

// lr_t = lr * sqrt(1 - beta2_power) / (1 - beta1_power)
// m += (grad - m) * (1 - beta1); v += (grad^2 - v) * (1 - beta2)
// var -= lr_t * m / (sqrt(v) + epsilon)
Tensor apply_adam(const Tensor& var, const Tensor& m, const Tensor& v, const Tensor& beta1_power,
                  const Tensor& beta2_power, const Tensor& lr, const Tensor& beta1,
                  const Tensor& beta2, const Tensor& epsilon, const Tensor& grad,
                  const std::string& name = "ApplyAdam");

// ms += (grad^2 - ms) * (1 - rho)
// mom = mom * momentum + lr * grad / sqrt(ms + epsilon); var -= mom
Tensor apply_rms_prop(const Tensor& var, const Tensor& ms, const Tensor& mom, const Tensor& lr,
                      const Tensor& rho, const Tensor& momentum, const Tensor& epsilon,
                      const Tensor& grad, const std::string& name = "ApplyRMSProp");

// mg += (grad - mg) * (1 - rho); ms += (grad^2 - ms) * (1 - rho)
// mom = mom * momentum + lr * grad / sqrt(ms - mg^2 + epsilon); var -= mom
Tensor apply_centered_rms_prop(const Tensor& var, const Tensor& mg, const Tensor& ms,
                               const Tensor& mom, const Tensor& lr, const Tensor& rho,
                               const Tensor& momentum, const Tensor& epsilon, const Tensor& grad,
                               const std::string& name = "ApplyCenteredRMSProp");

// accum = rho * accum + (1 - rho) * grad^2
// update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad
// accum_update = rho * accum_update + (1 - rho) * update^2; var -= lr * update
Tensor apply_adadelta(const Tensor& var, const Tensor& accum, const Tensor& accum_update,
                      const Tensor& lr, const Tensor& rho, const Tensor& epsilon,
                      const Tensor& grad, const std::string& name = "ApplyAdadelta");

}  // namespace tf
