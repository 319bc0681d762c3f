// Fused Keras optimizer updates (Keras 2.0.2's update rules, one kernel per
// parameter): each op updates the parameter and its accumulators in place
// and outputs the updated parameter. `p` and the accumulators are VariableV2
// refs of one shape; hyper-parameters are scalar tensors of p's dtype; the
// gradient comes last, shaped like p.
#pragma once
#include "keraspp/ops/builder.h"

namespace tf {

// v = momentum*m - lr*g; m = v; p += v (nesterov: p += momentum*v - lr*g).
Tensor keras_sgd_update(const Tensor& p, const Tensor& m, const Tensor& lr, const Tensor& momentum,
                        const Tensor& grad, bool nesterov, const std::string& name = "KerasSGDUpdate");
// a = rho*a + (1-rho)*g^2; p -= lr*g/(sqrt(a)+epsilon).
Tensor keras_rmsprop_update(const Tensor& p, const Tensor& a, const Tensor& lr, const Tensor& rho,
                            const Tensor& epsilon, const Tensor& grad,
                            const std::string& name = "KerasRMSpropUpdate");
// a += g^2; p -= lr*g/(sqrt(a)+epsilon).
Tensor keras_adagrad_update(const Tensor& p, const Tensor& a, const Tensor& lr,
                            const Tensor& epsilon, const Tensor& grad,
                            const std::string& name = "KerasAdagradUpdate");
// a = rho*a + (1-rho)*g^2; u = g*sqrt(d+eps)/sqrt(a+eps); p -= lr*u;
// d = rho*d + (1-rho)*u^2.
Tensor keras_adadelta_update(const Tensor& p, const Tensor& a, const Tensor& d, const Tensor& lr,
                             const Tensor& rho, const Tensor& epsilon, const Tensor& grad,
                             const std::string& name = "KerasAdadeltaUpdate");
// m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; p -= lr_t*m/(sqrt(v)+epsilon).
Tensor keras_adam_update(const Tensor& p, const Tensor& m, const Tensor& v, const Tensor& lr_t,
                         const Tensor& beta_1, const Tensor& beta_2, const Tensor& epsilon,
                         const Tensor& grad, const std::string& name = "KerasAdamUpdate");
// m = b1*m + (1-b1)*g; u = max(b2*u, |g|); p -= lr_t*m/(u+epsilon).
Tensor keras_adamax_update(const Tensor& p, const Tensor& m, const Tensor& u, const Tensor& lr_t,
                           const Tensor& beta_1, const Tensor& beta_2, const Tensor& epsilon,
                           const Tensor& grad, const std::string& name = "KerasAdamaxUpdate");
// Keras's Nadam step given the step's schedule scalars:
//   g' = g*g_scale; m = b1*m + (1-b1)*g; m' = m*m_scale;
//   v = b2*v + (1-b2)*g^2; v' = v*v_scale; mbar = (1-mu_t)*g' + mu_t1*m';
//   p -= lr*mbar/(sqrt(v')+epsilon)
// with g_scale = 1/(1-m_schedule_new), m_scale = 1/(1-m_schedule_next),
// v_scale = 1/(1-b2^t).
struct NadamScalars {
  Tensor lr, beta_1, beta_2, epsilon, g_scale, m_scale, v_scale, mu_t, mu_t1;
};
Tensor keras_nadam_update(const Tensor& p, const Tensor& m, const Tensor& v,
                          const NadamScalars& s, const Tensor& grad,
                          const std::string& name = "KerasNadamUpdate");

}  // namespace tf
