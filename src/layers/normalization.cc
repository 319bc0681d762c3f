// tf.layers.batch_normalization / BatchNormalization (TF 1.x's
// layers/normalization.py, with the fused path of TF 1.3).
#include "keraspp/layers/normalization.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_batch_norm_ops.h"

namespace tf::layers {

namespace {

struct BatchNormalizationImpl : Layer::Impl {
  explicit BatchNormalizationImpl(const BatchNormalizationOptions& o)
      : Impl("batch_normalization", o.trainable, o.name, o.reuse), opts(o) {}

  // input_shape: rank known, the axis' size known -> beta, gamma,
  // moving_mean, moving_variance [C] (TF's creation order).
  void build(const TensorShape& input_shape) override {
    if (!input_shape.has_rank())
      throw keraspp::ValueError("Input has undefined rank:" + input_shape.str());
    rank = input_shape.rank();
    axis = opts.axis < 0 ? opts.axis + rank : opts.axis;
    if (axis < 0 || axis >= rank) throw keraspp::ValueError("Value of `axis` argument " + std::to_string(opts.axis) +
                                                            " is out of range for input with rank " +
                                                            std::to_string(rank));
    const int64_t c = input_shape.dim(axis);
    if (c < 0)
      throw keraspp::ValueError("Input has undefined `axis` dimension. Input shape: " + input_shape.str());
    const TensorShape param({c});
    if (opts.center) beta = add_variable("beta", param, opts.beta_initializer, opts.beta_regularizer);
    if (opts.scale) gamma = add_variable("gamma", param, opts.gamma_initializer, opts.gamma_regularizer);
    moving_mean = add_variable("moving_mean", param, opts.moving_mean_initializer, nullptr, false);
    moving_variance = add_variable("moving_variance", param, opts.moving_variance_initializer, nullptr, false);
    channels = c;
    fused = opts.fused.value_or(rank == 4 && (axis == 1 || axis == 3));
    if (fused && !(rank == 4 && (axis == 1 || axis == 3)))
      throw keraspp::ValueError("Only 4D inputs normalized over axis 1 or 3 can use the fused batch norm, got axis " +
                                std::to_string(opts.axis) + " of a rank-" + std::to_string(rank) + " input");
  }

  // TF's moving_averages.assign_moving_average(variable, value, decay,
  // zero_debias=False) with 1 - decay given: variable -= (variable - value)
  // * one_minus_decay, as one AssignSub named "AssignMovingAvg" (_1, ...).
  Operation assign_moving_average(const Variable& variable, const Tensor& value, const Tensor& one_minus_decay) {
    name_scope scope("AssignMovingAvg");
    const Tensor delta = (variable.value() - value) * one_minus_decay;
    return variable.assign_sub(delta, scope.name()).op();
  }

  // Adds the two updates (moving -= (moving - batch) * (1 - momentum)).
  void add_moving_average_updates(const Tensor& mean, const Tensor& variance, const Tensor& one_minus_decay) {
    for (const Operation& u : {assign_moving_average(moving_mean, mean, one_minus_decay),
                               assign_moving_average(moving_variance, variance, one_minus_decay)}) {
      updates.push_back(u);
      u.graph().add_to_collection(GraphKeys::UPDATE_OPS, u);
    }
  }

  // 1 - momentum, or 0 when a training tensor is false (no update).
  Tensor one_minus_decay(const ValueOrTensor<bool>& training) const {
    if (!training.is_tensor()) return constant(1.0 - opts.momentum, dtype());
    return where(training.tensor(), constant(1.0 - opts.momentum, dtype()), constant(0.0, dtype()));
  }

  // A value picked by `training` (a tensor: at run time).
  static Tensor smart_select(const ValueOrTensor<bool>& training, const Tensor& if_true, const Tensor& if_false) {
    if (!training.is_tensor()) return training.value() ? if_true : if_false;
    return where(training.tensor(), if_true, if_false);
  }

  Tensor call_fused(const Tensor& x, const ValueOrTensor<bool>& training) {
    const std::string format = axis == 1 ? "NCHW" : "NHWC";
    const Tensor g = opts.scale ? gamma.value() : constant(np::ones({channels}, dtype()));
    const Tensor b = opts.center ? beta.value() : constant(np::zeros({channels}, dtype()));
    const bool maybe_training = training.is_tensor() || training.value();
    const bool maybe_inference = training.is_tensor() || !training.value();
    nn::FusedBatchNormOutputs train, infer;
    if (maybe_training) train = nn::fused_batch_norm(x, g, b, {}, {}, opts.epsilon, format, true);
    if (maybe_inference)
      infer = nn::fused_batch_norm(x, g, b, moving_mean.value(), moving_variance.value(), opts.epsilon, format,
                                   false);
    if (!maybe_training) return infer.y;
    if (!maybe_inference) {
      add_moving_average_updates(train.batch_mean, train.batch_variance, one_minus_decay(training));
      return train.y;
    }
    const Tensor& t = training.tensor();
    const Tensor y = where(t, train.y, infer.y);
    add_moving_average_updates(where(t, train.batch_mean, infer.batch_mean),
                               where(t, train.batch_variance, infer.batch_variance), one_minus_decay(training));
    return y;
  }

  // TF 1.1's composite: moments over every axis but `axis`, parameters
  // reshaped to broadcast when the axis is not the last.
  Tensor call_composite(const Tensor& x, const ValueOrTensor<bool>& training) {
    std::vector<int> reduction;
    for (int i = 0; i < rank; ++i)
      if (i != axis) reduction.push_back(i);
    std::vector<int64_t> broadcast_shape(static_cast<size_t>(rank), 1);
    broadcast_shape[static_cast<size_t>(axis)] = channels;
    const bool needs_broadcast = axis != rank - 1;
    auto broadcast = [&](const Tensor& v) { return v && needs_broadcast ? reshape(v, broadcast_shape) : v; };
    const Tensor scale = opts.scale ? broadcast(gamma.value()) : Tensor();
    const Tensor offset = opts.center ? broadcast(beta.value()) : Tensor();
    Tensor mean = moving_mean.value(), variance = moving_variance.value();
    if (training.is_tensor() || training.value()) {
      const nn::Moments m = nn::moments(x, reduction);
      mean = smart_select(training, m.mean, mean);
      variance = smart_select(training, m.variance, variance);
      add_moving_average_updates(mean, variance, one_minus_decay(training));
    }
    return nn::batch_normalization(x, broadcast(mean), broadcast(variance), offset, scale, opts.epsilon);
  }

  Tensor call(const Tensor& x, const ValueOrTensor<bool>& training) {
    if (training.is_tensor()) {
      const Tensor& t = training.tensor();
      if (t.dtype() != bool_)
        throw keraspp::TypeError("`training` must be a bool tensor, got " + np::dtype_name(t.dtype()) + " (" +
                                 t.name() + ")");
      if (t.shape().has_rank() && t.shape().rank() != 0)
        throw keraspp::ValueError("`training` must be a scalar, got shape " + t.shape().str());
    }
    if (x.shape().has_rank() && x.shape().rank() != rank)
      throw keraspp::ValueError("Input 0 of layer " + name + " is incompatible with the layer: expected ndim=" +
                                std::to_string(rank) + ", found ndim=" + std::to_string(x.shape().rank()));
    return fused ? call_fused(x, training) : call_composite(x, training);
  }

  BatchNormalizationOptions opts;
  int rank = 0, axis = 0;
  int64_t channels = 0;
  bool fused = false;
  Variable beta, gamma, moving_mean, moving_variance;
  std::vector<Operation> updates;
};

BatchNormalizationImpl* impl_of(const std::shared_ptr<Layer::Impl>& p) {
  return static_cast<BatchNormalizationImpl*>(p.get());
}

}  // namespace

BatchNormalization::BatchNormalization(const BatchNormalizationOptions& opts)
    : Layer(std::make_shared<BatchNormalizationImpl>(opts)) {}

Tensor BatchNormalization::operator()(const Tensor& inputs, ValueOrTensor<bool> training) const {
  auto* d = impl_of(impl_);
  return d->apply(inputs, [d, &training](const Tensor& x) { return d->call(x, training); });
}

Variable BatchNormalization::beta() const { return impl_of(impl_)->beta; }
Variable BatchNormalization::gamma() const { return impl_of(impl_)->gamma; }
Variable BatchNormalization::moving_mean() const { return impl_of(impl_)->moving_mean; }
Variable BatchNormalization::moving_variance() const { return impl_of(impl_)->moving_variance; }
std::vector<Operation> BatchNormalization::updates() const { return impl_of(impl_)->updates; }

// TF's tf.layers.batch_normalization: BatchNormalization(..., name=name,
// _scope=name, _reuse=reuse).
Tensor batch_normalization(const Tensor& inputs, const BatchNormalizationCallOptions& o) {
  const BatchNormalizationOptions layer_opts{
      .axis = o.axis, .momentum = o.momentum, .epsilon = o.epsilon, .center = o.center, .scale = o.scale,
      .beta_initializer = o.beta_initializer, .gamma_initializer = o.gamma_initializer,
      .moving_mean_initializer = o.moving_mean_initializer,
      .moving_variance_initializer = o.moving_variance_initializer, .beta_regularizer = o.beta_regularizer,
      .gamma_regularizer = o.gamma_regularizer, .trainable = o.trainable, .name = o.name, .reuse = o.reuse,
      .fused = o.fused};
  auto layer = std::make_shared<BatchNormalizationImpl>(layer_opts);
  if (!o.name.empty()) layer->capture_scope(o.name);
  return layer->apply(inputs, [&layer, &o](const Tensor& x) { return layer->call(x, o.training); });
}

}  // namespace tf::layers
