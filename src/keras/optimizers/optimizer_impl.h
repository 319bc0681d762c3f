// Private: the state behind a keras::optimizers::Optimizer handle and the
// per-class hooks. Variables (iterations, lr, decay, accumulators) live in
// one graph; using the optimizer in a fresh graph recreates them there.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "keraspp/graph/graph.h"
#include "keraspp/keras/optimizers.h"

namespace keras::optimizers {

// RAII: ops created in its lifetime (the optimizer's variables and their
// initializers) get no control dependencies from the caller's context and
// sit at the root name scope, so initializing them never runs the model.
class AtRoot {
 public:
  explicit AtRoot(const tf::Graph& g) : scope_(g, /*at_root=*/true) {}

 private:
  tf::init_scope scope_;
};

struct OptimizerImpl {
  OptimizerImpl(std::string class_name, double lr, double decay, ClipOptions clip)
      : class_name(std::move(class_name)), initial_lr(lr), initial_decay(decay), clip(clip) {}
  virtual ~OptimizerImpl() = default;

  // Creates iterations / lr / decay in `g` (if not there yet), at the root
  // name scope like Keras's K.variable calls in __init__.
  void ensure_variables(const tf::Graph& g);
  // lr / (1 + decay * iterations) when decay was given, else lr (float32 scalar).
  tf::Tensor decayed_lr();
  // A float32 scalar as a tensor of `dtype` (the parameter's).
  static tf::Tensor as(const tf::Tensor& scalar, tf::DType dtype);
  // A K.zeros-like accumulator shaped like p, registered in `weights`.
  tf::Variable zeros_like(const tf::Variable& p, double value = 0.0);

  // The fused update of each parameter (params[i] with grads[i]); returns
  // the update ops. `step_ops` collects ops to run after all updates
  // (iteration increments, Nadam's schedule).
  virtual std::vector<tf::Operation> apply(const std::vector<tf::Variable>& params,
                                           const std::vector<tf::Tensor>& grads) = 0;
  // Whether `iterations` advances every step (Adam-family) or only with decay.
  virtual bool always_counts_iterations() const { return initial_decay > 0; }
  virtual std::map<std::string, double> config() const = 0;
  // State outside `weights` that Keras 2's files do not list (Nadam's
  // m_schedule); model files keep it beside the listed weights so a loaded
  // model continues exactly.
  virtual std::vector<tf::Variable> unlisted_state() const { return {}; }

  std::string class_name;
  double initial_lr;
  double initial_decay;
  ClipOptions clip;
  // The lr value when no variable exists yet (set_lr before first use).
  double pending_lr;
  bool has_pending_lr = false;

  tf::Graph graph{nullptr};
  tf::Variable iterations, lr, decay;
  std::vector<tf::Variable> weights;
};

}  // namespace keras::optimizers
