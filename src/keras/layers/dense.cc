// Dense (Keras 2.0.2): kernel / bias weights and activation(dot + bias).
#include "keraspp/keras/backend.h"
#include "keraspp/keras/engine/config.h"
#include "keraspp/keras/layers/core.h"
#include "layers_util.h"

namespace keras::layers {

namespace K = keras::backend;

DenseImpl::DenseImpl(int64_t units_, const DenseOptions& o)
    : UnaryLayerImpl("Dense", engine::common_options(o)), units(units_), options(o) {
  if (units <= 0)
    throw keraspp::ValueError("Layer " + name + ": `units` must be a positive integer, got " +
                              std::to_string(units));
  activity_regularizer = o.activity_regularizer;
  input_spec = {InputSpec{.min_ndim = 2}};
  supports_masking = true;
}

void DenseImpl::build(const tf::TensorShape& input_shape) {
  if (!input_shape.has_rank() || input_shape.rank() < 2)
    throw keraspp::ValueError("Input 0 is incompatible with layer " + name +
                              ": expected min_ndim=2, found ndim=" +
                              (input_shape.has_rank() ? std::to_string(input_shape.rank()) : "None"));
  const int64_t input_dim = input_shape.dim(-1);
  if (input_dim < 0)
    throw keraspp::ValueError("The last dimension of the inputs to `Dense` (layer " + name +
                              ") should be defined. Found `None`.");
  kernel = add_weight("kernel", {input_dim, units}, options.kernel_initializer,
                      options.kernel_regularizer, true, options.kernel_constraint);
  if (options.use_bias)
    bias = add_weight("bias", {units}, options.bias_initializer, options.bias_regularizer, true,
                      options.bias_constraint);
  input_spec = {InputSpec{.min_ndim = 2, .axes = {{-1, input_dim}}}};
}

tf::Tensor DenseImpl::call(const tf::Tensor& inputs, const CallArgs&) {
  tf::Tensor output = K::dot(inputs, kernel.value());
  if (options.use_bias) output = K::bias_add(output, bias.value());
  return options.activation(output);
}

tf::TensorShape DenseImpl::compute_output_shape(const tf::TensorShape& input_shape) {
  if (!input_shape.has_rank() || input_shape.rank() < 2 || input_shape.dim(-1) < 0)
    throw keraspp::ValueError("Dense " + name + " needs an input shape of rank >= 2 with a known "
                              "last dimension, got " + input_shape.keras_str());
  std::vector<int64_t> out = input_shape.dims();
  out.back() = units;
  return tf::TensorShape(out);
}

Config DenseImpl::get_config() const {
  Config c = LayerImpl::get_config();
  c["units"] = units;
  add_kernel_bias_config(c, options);
  return c;
}

Dense::Dense(int64_t units, const DenseOptions& options)
    : Layer(std::make_shared<DenseImpl>(units, options)) {}

}  // namespace keras::layers
