// keras.optimizers Adam, Adamax and Nadam: bias-corrected moment estimates;
// `iterations` advances every step and t = iterations + 1 is read before
// the increment (which runs after all parameter updates).
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/keras_training_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/state_ops.h"
#include "keraspp/keras/backend.h"
#include "optimizer_impl.h"

namespace keras::optimizers {

namespace {

tf::Tensor c(double v, tf::DType t) { return tf::constant(v, t); }

// Adam and Adamax differ only in their step size and fused update: both keep
// two zero-initialised moments per parameter and report the same config.
using MomentUpdate = tf::Tensor (*)(const tf::Tensor&, const tf::Tensor&, const tf::Tensor&,
                                    const tf::Tensor&, const tf::Tensor&, const tf::Tensor&,
                                    const tf::Tensor&, const tf::Tensor&, const std::string&);

struct TwoMomentImpl : OptimizerImpl {
  TwoMomentImpl(const char* name, double lr, double decay, const ClipOptions& clip, double beta_1,
                double beta_2, double epsilon, MomentUpdate update)
      : OptimizerImpl(name, lr, decay, clip),
        beta_1(beta_1), beta_2(beta_2), epsilon(epsilon), update(update) {}

  bool always_counts_iterations() const override { return true; }
  // The bias-corrected step size at t = iterations + 1.
  virtual tf::Tensor step_size(const tf::Tensor& t) = 0;

  std::vector<tf::Operation> apply(const std::vector<tf::Variable>& params,
                                   const std::vector<tf::Tensor>& grads) override {
    const tf::Tensor lr_t = step_size(iterations.value() + 1.0);
    std::vector<tf::Variable> first, second;
    for (const auto& p : params) first.push_back(zeros_like(p));
    for (const auto& p : params) second.push_back(zeros_like(p));
    std::vector<tf::Operation> ups;
    for (size_t i = 0; i < params.size(); ++i) {
      const tf::Variable& p = params[i];
      const tf::DType dt = p.dtype();
      ups.push_back(update(p.ref(), first[i].ref(), second[i].ref(), as(lr_t, dt), c(beta_1, dt),
                           c(beta_2, dt), c(epsilon, dt), grads[i], "")
                        .op());
    }
    return ups;
  }
  std::map<std::string, double> config() const override {
    return {{"beta_1", static_cast<float>(beta_1)},
            {"beta_2", static_cast<float>(beta_2)},
            {"decay", static_cast<float>(initial_decay)},
            {"epsilon", epsilon}};
  }

  double beta_1, beta_2, epsilon;
  MomentUpdate update;
};

struct AdamImpl : TwoMomentImpl {
  explicit AdamImpl(const AdamOptions& o)
      : TwoMomentImpl("Adam", o.lr, o.decay, o.clip, o.beta_1, o.beta_2, o.epsilon,
                      tf::keras_adam_update) {}
  // lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t)
  tf::Tensor step_size(const tf::Tensor& t) override {
    return decayed_lr() * (tf::sqrt(1.0 - tf::pow(beta_2, t)) / (1.0 - tf::pow(beta_1, t)));
  }
};

struct AdamaxImpl : TwoMomentImpl {
  explicit AdamaxImpl(const AdamaxOptions& o)
      : TwoMomentImpl("Adamax", o.lr, o.decay, o.clip, o.beta_1, o.beta_2, o.epsilon,
                      tf::keras_adamax_update) {}
  tf::Tensor step_size(const tf::Tensor& t) override {
    return decayed_lr() / (1.0 - tf::pow(beta_1, t));
  }
};

struct NadamImpl : OptimizerImpl {
  explicit NadamImpl(const NadamOptions& o)
      : OptimizerImpl("Nadam", o.lr, 0.0, o.clip),
        beta_1(o.beta_1),
        beta_2(o.beta_2),
        epsilon(o.epsilon),
        schedule_decay(o.schedule_decay) {}

  bool always_counts_iterations() const override { return true; }

  std::vector<tf::Operation> apply(const std::vector<tf::Variable>& params,
                                   const std::vector<tf::Tensor>& grads) override {
    if (!m_schedule || m_schedule.graph() != graph) {
      AtRoot root(graph);
      m_schedule = keras::backend::variable(1.0, "float32", "m_schedule");
    }
    tf::Tensor t = iterations.value() + 1.0;
    // The warming momentum schedule (Dozat's recommendation, as Keras).
    tf::Tensor mu_t = beta_1 * (1.0 - 0.5 * tf::pow(0.96, t * schedule_decay));
    tf::Tensor mu_t1 = beta_1 * (1.0 - 0.5 * tf::pow(0.96, (t + 1.0) * schedule_decay));
    tf::Tensor m_schedule_new = m_schedule.value() * mu_t;
    tf::Tensor m_schedule_next = m_schedule_new * mu_t1;
    tf::Tensor g_scale = 1.0 / (1.0 - m_schedule_new);
    tf::Tensor m_scale = 1.0 / (1.0 - m_schedule_next);
    tf::Tensor v_scale = 1.0 / (1.0 - tf::pow(beta_2, t));
    std::vector<tf::Variable> ms, vs;
    for (const auto& p : params) ms.push_back(zeros_like(p));
    for (const auto& p : params) vs.push_back(zeros_like(p));
    std::vector<tf::Operation> ups;
    for (size_t i = 0; i < params.size(); ++i) {
      const tf::Variable& p = params[i];
      const tf::DType dt = p.dtype();
      tf::NadamScalars s{as(lr.value(), dt),   c(beta_1, dt),        c(beta_2, dt),
                         c(epsilon, dt),       as(g_scale, dt),      as(m_scale, dt),
                         as(v_scale, dt),      as(mu_t, dt),         as(mu_t1, dt)};
      ups.push_back(tf::keras_nadam_update(p.ref(), ms[i].ref(), vs[i].ref(), s, grads[i]).op());
    }
    // m_schedule advances after every parameter read it.
    tf::control_dependencies after(ups);
    ups.push_back(tf::assign(m_schedule.ref(), m_schedule_new).op());
    return ups;
  }
  std::map<std::string, double> config() const override {
    return {{"beta_1", static_cast<float>(beta_1)},
            {"beta_2", static_cast<float>(beta_2)},
            {"epsilon", epsilon},
            {"schedule_decay", schedule_decay}};
  }

  std::vector<tf::Variable> unlisted_state() const override {
    return m_schedule ? std::vector<tf::Variable>{m_schedule} : std::vector<tf::Variable>{};
  }

  double beta_1, beta_2, epsilon, schedule_decay;
  tf::Variable m_schedule;
};

}  // namespace

Adam::Adam(const AdamOptions& opts) : Optimizer(std::make_shared<AdamImpl>(opts)) {}
Adamax::Adamax(const AdamaxOptions& opts) : Optimizer(std::make_shared<AdamaxImpl>(opts)) {}
Nadam::Nadam(const NadamOptions& opts) : Optimizer(std::make_shared<NadamImpl>(opts)) {}

}  // namespace keras::optimizers
