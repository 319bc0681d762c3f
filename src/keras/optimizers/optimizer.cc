// keras.optimizers.Optimizer: the handle, gradients with clipping, the
// shared variables (iterations, lr, decay) and keras.optimizers.get.
#include <algorithm>
#include <cctype>

#include "keraspp/autodiff/gradients.h"
#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/state_ops.h"
#include "optimizer_impl.h"

namespace keras::optimizers {

namespace K = keras::backend;

namespace {

OptimizerImpl& checked(const std::shared_ptr<OptimizerImpl>& impl) {
  if (!impl) throw keraspp::ValueError("The optimizer is None (no optimizer was given)");
  return *impl;
}

// Whether the variable can be read in the Keras session (its graph is the
// default one).
bool in_default_graph(const tf::Variable& v) {
  return v && v.graph() == tf::get_default_graph();
}

}  // namespace

void OptimizerImpl::ensure_variables(const tf::Graph& g) {
  if (iterations && graph == g) return;
  // First use, or a new graph (after clear_session): (re)create them there,
  // keeping an lr set with set_lr.
  graph = g;
  weights.clear();
  AtRoot root(g);
  iterations = K::variable(0.0, "float32", "iterations");
  lr = K::variable(has_pending_lr ? pending_lr : initial_lr, "float32", "lr");
  decay = K::variable(initial_decay, "float32", "decay");
}

tf::Tensor OptimizerImpl::decayed_lr() {
  if (initial_decay <= 0) return lr.value();
  return lr.value() * (1.0 / (1.0 + decay.value() * iterations.value()));
}

tf::Tensor OptimizerImpl::as(const tf::Tensor& scalar, tf::DType dtype) {
  return scalar.dtype() == dtype ? scalar : tf::cast(scalar, dtype);
}

tf::Variable OptimizerImpl::zeros_like(const tf::Variable& p, double value) {
  // Keras's K.zeros(shape): an unnamed ("Variable") variable at the root scope.
  AtRoot root(p.graph());
  const np::Shape shape(p.shape().dims().begin(), p.shape().dims().end());
  tf::Variable v = K::variable(np::full(shape, value, p.dtype()), np::dtype_name(p.dtype()));
  weights.push_back(v);
  return v;
}

Optimizer::Optimizer(const char* name) : Optimizer(get(name)) {}
Optimizer::Optimizer(const std::string& name) : Optimizer(get(name)) {}

std::vector<tf::Tensor> Optimizer::get_gradients(const tf::Tensor& loss,
                                                 const std::vector<tf::Variable>& params) {
  OptimizerImpl& s = checked(impl_);
  std::vector<tf::Tensor> xs;
  for (const auto& p : params) xs.push_back(p.value());
  std::vector<tf::Tensor> grads = tf::gradients(loss, xs);
  for (size_t i = 0; i < grads.size(); ++i)
    if (!grads[i])
      throw keraspp::ValueError(
          "An operation has `None` for gradient. Please make sure that all of your ops have a "
          "gradient defined (i.e. are differentiable). No gradient for " + params[i].name());
  if (s.clip.clipnorm && *s.clip.clipnorm > 0) {
    // norm = sqrt(sum of all squared gradients); g * c / max(norm, c).
    std::vector<tf::Tensor> sq;
    for (const auto& g : grads) sq.push_back(tf::reduce_sum(tf::square(g)));
    tf::Tensor norm = tf::sqrt(sq.size() == 1 ? sq[0] : tf::add_n(sq));
    const double c = *s.clip.clipnorm;
    for (auto& g : grads) g = g * c / tf::maximum(norm, c);
  }
  if (s.clip.clipvalue && *s.clip.clipvalue > 0) {
    const double c = *s.clip.clipvalue;
    for (auto& g : grads) g = tf::clip_by_value(g, -c, c);
  }
  return grads;
}

std::vector<tf::Operation> Optimizer::get_updates(const std::vector<tf::Variable>& params,
                                                  const ConstraintMap& constraints,
                                                  const tf::Tensor& loss,
                                                  const std::vector<tf::Operation>& wait_for) {
  OptimizerImpl& s = checked(impl_);
  tf::Graph g = loss.graph();
  auto guard = g.as_default();
  s.ensure_variables(g);
  std::vector<tf::Tensor> grads = get_gradients(loss, params);
  tf::control_dependencies deps(wait_for);
  std::vector<tf::Operation> updates = s.apply(params, grads);
  // Constraints: the constrained value of the updated parameter is assigned
  // back (the fused op outputs the updated parameter).
  for (size_t i = 0; i < params.size(); ++i) {
    auto it = std::find_if(constraints.begin(), constraints.end(),
                           [&](const auto& pc) { return pc.first == params[i]; });
    if (it == constraints.end() || !it->second) continue;
    tf::Tensor constrained = it->second(updates[i].output(0));
    updates[i] = tf::assign(params[i].ref(), constrained).op();
  }
  if (s.always_counts_iterations()) {
    // After every update read the step's iteration count.
    tf::control_dependencies after(updates);
    updates.push_back(tf::assign_add(s.iterations.ref(), 1.0).op());
  }
  return updates;
}

const std::string& Optimizer::class_name() const { return checked(impl_).class_name; }

std::map<std::string, double> Optimizer::get_config() const {
  OptimizerImpl& s = checked(impl_);
  std::map<std::string, double> c = s.config();
  c["lr"] = get_lr();
  if (s.clip.clipnorm) c["clipnorm"] = *s.clip.clipnorm;
  if (s.clip.clipvalue) c["clipvalue"] = *s.clip.clipvalue;
  return c;
}

double Optimizer::get_lr() const {
  OptimizerImpl& s = checked(impl_);
  if (in_default_graph(s.lr)) return K::get_value(s.lr).item<double>();
  // Not created yet: the float32 value it will hold.
  return static_cast<double>(static_cast<float>(s.has_pending_lr ? s.pending_lr : s.initial_lr));
}

void Optimizer::set_lr(double value) const {
  OptimizerImpl& s = checked(impl_);
  s.pending_lr = value;
  s.has_pending_lr = true;
  if (in_default_graph(s.lr)) K::set_value(s.lr, np::Array::scalar(static_cast<float>(value)));
}

tf::Variable Optimizer::lr() const {
  OptimizerImpl& s = checked(impl_);
  s.ensure_variables(s.graph.data() ? s.graph : tf::get_default_graph());
  return s.lr;
}

tf::Variable Optimizer::iterations() const {
  OptimizerImpl& s = checked(impl_);
  s.ensure_variables(s.graph.data() ? s.graph : tf::get_default_graph());
  return s.iterations;
}

std::vector<tf::Variable> Optimizer::weights() const { return checked(impl_).weights; }

Optimizer get(const std::string& name) {
  // Keras looks names up case-insensitively among its classes.
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "sgd") return SGD();
  if (n == "rmsprop") return RMSprop();
  if (n == "adagrad") return Adagrad();
  if (n == "adadelta") return Adadelta();
  if (n == "adam") return Adam();
  if (n == "adamax") return Adamax();
  if (n == "nadam") return Nadam();
  throw keraspp::ValueError("Unknown optimizer: " + name);
}

}  // namespace keras::optimizers
