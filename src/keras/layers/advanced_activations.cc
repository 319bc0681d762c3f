// LeakyReLU, PReLU, ELU and ThresholdedReLU (Keras 2.0.2).
#include <algorithm>

#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/layers/advanced_activations.h"
#include "keraspp/ops/math_ops.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

namespace {

// An elementwise activation layer with one float parameter.
class ParamActivationImpl : public UnaryLayerImpl {
 public:
  using Fn = tf::Tensor (*)(const tf::Tensor&, double);
  ParamActivationImpl(const std::string& cls, const engine::LayerOptions& o, const char* key,
                      double value_, Fn fn)
      : UnaryLayerImpl(cls, o), key_(key), value(value_), fn_(fn) {
    supports_masking = true;
  }
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override { return fn_(x, value); }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c[key_] = value;
    return c;
  }

 private:
  const char* key_;
  double value;
  Fn fn_;
};

tf::Tensor leaky_relu(const tf::Tensor& x, double alpha) { return K::relu(x, alpha); }
tf::Tensor elu(const tf::Tensor& x, double alpha) { return K::elu(x, alpha); }
tf::Tensor thresholded_relu(const tf::Tensor& x, double theta) {
  return tf::multiply(x, K::cast(K::greater(x, theta), np::dtype_name(x.dtype())));
}

class PReLUImpl : public UnaryLayerImpl {
 public:
  explicit PReLUImpl(const PReLUOptions& o)
      : UnaryLayerImpl("PReLU", engine::common_options(o)), options(o) {
    supports_masking = true;
  }
  void build(const tf::TensorShape& s) override {
    if (!s.has_rank() || s.rank() < 2)
      throw keraspp::ValueError("PReLU " + name + " needs an input of rank >= 2, got " + s.keras_str());
    std::vector<int64_t> param_shape(s.dims().begin() + 1, s.dims().end());
    for (int axis : options.shared_axes) {
      if (axis < 1 || axis >= s.rank())
        throw keraspp::ValueError("PReLU " + name + ": shared axis " + std::to_string(axis) +
                                  " is out of range for input shape " + s.keras_str());
      param_shape[static_cast<size_t>(axis - 1)] = 1;
    }
    for (size_t i = 0; i < param_shape.size(); ++i)
      if (param_shape[i] < 0)
        throw keraspp::ValueError("PReLU " + name + " needs the input's dimensions to be known "
                                  "(or shared), got " + s.keras_str());
    alpha = add_weight("alpha", param_shape, options.alpha_initializer, options.alpha_regularizer,
                       true, options.alpha_constraint);
    std::map<int, int64_t> axes;
    if (!options.shared_axes.empty())
      for (int i = 1; i < s.rank(); ++i)
        if (std::find(options.shared_axes.begin(), options.shared_axes.end(), i) ==
            options.shared_axes.end())
          axes[i] = s.dim(i);
    input_spec = {InputSpec{.ndim = s.rank(), .axes = axes}};
  }
  // relu(x) - alpha * relu(-x)
  tf::Tensor call(const tf::Tensor& x, const CallArgs&) override {
    return tf::subtract(K::relu(x), tf::multiply(alpha.value(), K::relu(tf::negative(x))));
  }
  Config get_config() const override {
    Config c = LayerImpl::get_config();
    c["alpha_initializer"] = serialize(options.alpha_initializer.get());
    c["alpha_regularizer"] = serialize(options.alpha_regularizer);
    c["alpha_constraint"] = serialize(options.alpha_constraint);
    c["shared_axes"] = options.shared_axes.empty() ? Config(nullptr) : Config(options.shared_axes);
    return c;
  }
  PReLUOptions options;
  tf::Variable alpha;
};

}  // namespace

LeakyReLU::LeakyReLU(double alpha, const LeakyReLUOptions& options)
    : Layer(std::make_shared<ParamActivationImpl>("LeakyReLU", engine::common_options(options),
                                                  "alpha", alpha, &leaky_relu)) {}

PReLU::PReLU(const PReLUOptions& options) : Layer(std::make_shared<PReLUImpl>(options)) {}

ELU::ELU(double alpha, const ELUOptions& options)
    : Layer(std::make_shared<ParamActivationImpl>("ELU", engine::common_options(options), "alpha",
                                                  alpha, &elu)) {}

ThresholdedReLU::ThresholdedReLU(double theta, const ThresholdedReLUOptions& options)
    : Layer(std::make_shared<ParamActivationImpl>("ThresholdedReLU", engine::common_options(options),
                                                  "theta", theta, &thresholded_relu)) {}

}  // namespace keras::layers
