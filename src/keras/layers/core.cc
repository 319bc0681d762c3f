// Activation, Dropout, ActivityRegularization and Masking (Keras 2.0.2).
#include <sstream>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/layers/core.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

// A layer whose call is a function of its input (and whose shape is kept).
class FunctionLayerImpl : public UnaryLayerImpl {
 public:
  using Fn = std::function<tf::Tensor(const tf::Tensor&)>;
  FunctionLayerImpl(const std::string& cls, const engine::LayerOptions& o, Fn fn, Config config)
      : UnaryLayerImpl(cls, o), fn_(std::move(fn)), config_(std::move(config)) {
    supports_masking = true;
  }
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override { return fn_(x); }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    for (const auto& [k, v] : config_.items()) c[k] = v;
    return c;
  }

 private:
  Fn fn_;
  Config config_;
};

std::string num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

class MaskingImpl : public UnaryLayerImpl {
 public:
  MaskingImpl(double mask_value_, const MaskingOptions& o)
      : UnaryLayerImpl("Masking", engine::common_options(o)), mask_value(mask_value_) {
    supports_masking = true;
  }
  // A timestep is kept when any feature differs from mask_value.
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    const tf::Tensor keep = K::any(K::not_equal(x, mask_value), -1, true);
    return tf::multiply(x, K::cast(keep, np::dtype_name(x.dtype())));
  }
  std::vector<tf::Tensor> compute_mask(const std::vector<tf::Tensor>& inputs,
                                       const std::vector<tf::Tensor>&) override {
    return {K::any(K::not_equal(inputs.at(0), mask_value), -1)};
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["mask_value"] = mask_value;
    return c;
  }
  double mask_value;
};

}  // namespace

// ---- Activation ---------------------------------------------------------------------

ActivationImpl::ActivationImpl(activations::Activation a, const ActivationOptions& o)
    : UnaryLayerImpl("Activation", engine::common_options(o)), activation(std::move(a)) {
  supports_masking = true;
}

tf::Tensor ActivationImpl::call(const tf::Tensor& inputs, const CallArgs&) {
  return activation(inputs);
}

Config ActivationImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["activation"] = activations::serialize(activation);
  return c;
}

Activation::Activation(activations::Activation activation, const ActivationOptions& options)
    : Layer(std::make_shared<ActivationImpl>(std::move(activation), options)) {}

// ---- Dropout ------------------------------------------------------------------------

DropoutImpl::DropoutImpl(double rate_, const DropoutOptions& o)
    : UnaryLayerImpl("Dropout", engine::common_options(o)), rate(rate_), options(o) {
  if (!(rate >= 0.0 && rate < 1.0))
    throw keraspp::ValueError("Invalid value received for `rate` of layer " + name +
                              ": expected a value in [0, 1), got " + num(rate));
  supports_masking = true;
}

tf::Tensor DropoutImpl::call(const tf::Tensor& inputs, const CallArgs& args) {
  if (!(rate > 0.0 && rate < 1.0)) return inputs;
  std::optional<std::vector<int64_t>> noise_shape = options.noise_shape.get();
  if (noise_shape) {
    // None (-1) entries take the input's dimension.
    const tf::TensorShape s = inputs.shape();
    for (size_t i = 0; i < noise_shape->size(); ++i) {
      int64_t& d = (*noise_shape)[i];
      if (d >= 0) continue;
      d = s.has_rank() && static_cast<int>(i) < s.rank() ? s.dim(static_cast<int>(i)) : -1;
      if (d < 0)
        throw keraspp::ValueError("Layer " + name + ": noise_shape entry " + std::to_string(i) +
                                  " is None but the input's dimension there is not known "
                                  "statically (input shape " + s.keras_str() + ")");
    }
  }
  return K::in_train_phase([&] { return K::dropout(inputs, rate, noise_shape, options.seed); },
                           inputs, args.training);
}

Config DropoutImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["rate"] = rate;
  c["noise_shape"] = options.noise_shape ? shape_config(*options.noise_shape) : Config(nullptr);
  c["seed"] = options.seed ? Config(*options.seed) : Config(nullptr);
  return c;
}

Dropout::Dropout(double rate, const DropoutOptions& options)
    : Layer(std::make_shared<DropoutImpl>(rate, options)) {}

// ---- ActivityRegularization ----------------------------------------------------------

ActivityRegularization::ActivityRegularization(double l1, double l2,
                                               const ActivityRegularizationOptions& options)
    : Layer([&] {
        auto impl = std::make_shared<FunctionLayerImpl>(
            "ActivityRegularization", engine::common_options(options),
            [](const tf::Tensor& x) { return x; }, Config{{"l1", l1}, {"l2", l2}});
        impl->activity_regularizer = regularizers::L1L2(l1, l2);
        return impl;
      }()) {}

// ---- Masking ----------------------------------------------------------------------

Masking::Masking(double mask_value, const MaskingOptions& options)
    : Layer(std::make_shared<MaskingImpl>(mask_value, options)) {}

}  // namespace keras::layers
