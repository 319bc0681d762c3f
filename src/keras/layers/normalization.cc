// BatchNormalization (Keras 2.0.x's keras/layers/normalization.py) and its
// from_config.
#include "keraspp/keras/layers/normalization.h"

#include "../saving/config_reader.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/serialization.h"
#include "keraspp/ops/array_ops.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

BatchNormalizationImpl::BatchNormalizationImpl(const BatchNormalizationOptions& o)
    : UnaryLayerImpl("BatchNormalization", engine::common_options(o)), options(o) {
  supports_masking = true;
}

void BatchNormalizationImpl::build(const tf::TensorShape& input_shape) {
  const int rank = input_shape.has_rank() ? input_shape.rank() : 0;
  const int axis = options.axis < 0 ? options.axis + rank : options.axis;
  const int64_t dim = axis >= 0 && axis < rank ? input_shape.dim(axis) : -1;
  if (dim < 0)
    throw keraspp::ValueError("Axis " + std::to_string(options.axis) +
                              " of input tensor should have a defined dimension but the layer received an input "
                              "with shape " + input_shape.keras_str() + ".");
  input_spec = {InputSpec{.ndim = rank, .axes = {{options.axis, dim}}}};
  if (options.scale)
    gamma = add_weight("gamma", {dim}, options.gamma_initializer, options.gamma_regularizer, true,
                       options.gamma_constraint);
  if (options.center)
    beta = add_weight("beta", {dim}, options.beta_initializer, options.beta_regularizer, true,
                      options.beta_constraint);
  moving_mean = add_weight("moving_mean", {dim}, options.moving_mean_initializer, {}, false);
  moving_variance = add_weight("moving_variance", {dim}, options.moving_variance_initializer, {}, false);
}

tf::Tensor BatchNormalizationImpl::normalize_inference(const tf::Tensor& inputs) const {
  return K::batch_normalization(inputs, moving_mean.value(), moving_variance.value(),
                                options.center ? beta.value() : tf::Tensor(),
                                options.scale ? gamma.value() : tf::Tensor(), options.epsilon, options.axis);
}

tf::Tensor BatchNormalizationImpl::call(const tf::Tensor& inputs, const CallArgs& args) {
  // A static inference phase: the moving statistics, no updates.
  if (args.training && !*args.training) return normalize_inference(inputs);
  const int rank = inputs.shape().rank();
  const int axis = options.axis < 0 ? options.axis + rank : options.axis;
  std::vector<int> reduction_axes;
  for (int i = 0; i < rank; ++i)
    if (i != axis) reduction_axes.push_back(i);
  const K::BatchNormInTraining t = K::normalize_batch_in_training(
      inputs, options.scale ? gamma.value() : tf::Tensor(), options.center ? beta.value() : tf::Tensor(),
      reduction_axes, options.epsilon);
  // Keras's add_update(..., inputs): run with every training step.
  updates_.push_back(K::moving_average_update(moving_mean, t.mean, options.momentum));
  updates_.push_back(K::moving_average_update(moving_variance, t.variance, options.momentum));
  // Both normalizations are built here and the cond passes one through: a
  // plan for a fed learning phase then folds the cond away (fold.h), and
  // predict's inference form can fuse with a preceding convolution.
  return K::in_train_phase(t.normed, normalize_inference(inputs), args.training);
}

Config BatchNormalizationImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["axis"] = options.axis;
  c["momentum"] = options.momentum;
  c["epsilon"] = options.epsilon;
  c["center"] = options.center;
  c["scale"] = options.scale;
  c["beta_initializer"] = layers::serialize(options.beta_initializer.get());
  c["gamma_initializer"] = layers::serialize(options.gamma_initializer.get());
  c["moving_mean_initializer"] = layers::serialize(options.moving_mean_initializer.get());
  c["moving_variance_initializer"] = layers::serialize(options.moving_variance_initializer.get());
  c["beta_regularizer"] = layers::serialize(options.beta_regularizer);
  c["gamma_regularizer"] = layers::serialize(options.gamma_regularizer);
  c["beta_constraint"] = layers::serialize(options.beta_constraint);
  c["gamma_constraint"] = layers::serialize(options.gamma_constraint);
  return c;
}

BatchNormalization::BatchNormalization(const BatchNormalizationOptions& options)
    : Layer(std::make_shared<BatchNormalizationImpl>(options)) {}

namespace {

// Keras 2's keys; tf.keras 2.x writes axis as a one-element list and adds
// renorm / fused keys (ignored: their defaults are this layer's behaviour).
Layer batch_normalization_from_config(const Config& c, const CustomObjects& objects) {
  const Config* n = saving::find(c, "name");
  const std::string w = "Layer " + (n && n->is_string() ? n->get<std::string>() : std::string("?")) +
                        " (BatchNormalization)";
  BatchNormalizationOptions o = with_common_options(BatchNormalizationOptions{}, c);
  if (const Config* v = saving::find(c, "axis")) {
    const Config& a = v->is_array() && v->size() == 1 ? (*v)[0] : *v;
    o.axis = static_cast<int>(saving::as_int(a, w + " 'axis'"));
  }
  o.momentum = saving::number_or(c, "momentum", o.momentum, w);
  o.epsilon = saving::number_or(c, "epsilon", o.epsilon, w);
  if (const Config* v = saving::find(c, "center")) o.center = saving::as_bool(*v, w + " 'center'");
  if (const Config* v = saving::find(c, "scale")) o.scale = saving::as_bool(*v, w + " 'scale'");
  auto initializer = [&](const char* key, initializers::InitializerArg& out) {
    if (const Config* v = saving::find(c, key); v && !v->is_null()) out = initializers::deserialize(*v, objects);
  };
  initializer("beta_initializer", o.beta_initializer);
  initializer("gamma_initializer", o.gamma_initializer);
  initializer("moving_mean_initializer", o.moving_mean_initializer);
  initializer("moving_variance_initializer", o.moving_variance_initializer);
  o.beta_regularizer = regularizers::deserialize(c.value("beta_regularizer", Config()), objects);
  o.gamma_regularizer = regularizers::deserialize(c.value("gamma_regularizer", Config()), objects);
  o.beta_constraint = constraints::deserialize(c.value("beta_constraint", Config()), objects);
  o.gamma_constraint = constraints::deserialize(c.value("gamma_constraint", Config()), objects);
  return BatchNormalization(o);
}

[[maybe_unused]] const LayerRegistration kBatchNormalization("BatchNormalization", batch_normalization_from_config);

}  // namespace

}  // namespace keras::layers
