// tf.layers.dense / tf.layers.Dense.

#include "keraspp/layers/core.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"

namespace tf::layers {

namespace {

// Checked before the layer captures its scope.
int64_t checked_units(int64_t units) {
  if (units <= 0)
    throw keraspp::ValueError("Dense: units must be a positive integer, got " +
                              std::to_string(units));
  return units;
}

struct DenseImpl : Layer::Impl {
  DenseImpl(int64_t units_, const DenseOptions& o)
      : Impl((checked_units(units_), "dense"), o.trainable, o.name, o.reuse,
             o.activity_regularizer),
        units(checked_units(units_)),
        opts(o) {}

  // input_shape: [batch, ..., in] -> kernel [in, units], bias [units].
  void build(const TensorShape& input_shape) override {
    if (!input_shape.has_rank())
      throw keraspp::ValueError("Inputs to `Dense` should have known rank.");
    if (input_shape.rank() < 2)
      throw keraspp::ValueError("Inputs to `Dense` should have rank >= 2.");
    const int64_t in = input_shape.dim(-1);
    if (in < 0)
      throw keraspp::ValueError(
          "The last dimension of the inputs to `Dense` should be defined. Found `None`.");
    kernel = add_variable("kernel", TensorShape({in, units}), opts.kernel_initializer,
                          opts.kernel_regularizer);
    if (opts.use_bias)
      bias =
          add_variable("bias", TensorShape({units}), opts.bias_initializer, opts.bias_regularizer);
  }

  Tensor call(const Tensor& inputs) const {
    const TensorShape& s = inputs.shape();
    Tensor outputs;
    if (s.rank() > 2) {
      // [batch, d1, ..., in] as rows of a matrix: [-1, in] . kernel, then back.
      std::vector<int64_t> out_dims(s.dims().begin(), s.dims().end() - 1);
      out_dims.push_back(units);
      for (size_t i = 1; i + 1 < out_dims.size(); ++i)
        if (out_dims[i] < 0)
          throw keraspp::ValueError(
              "Inputs to `Dense` of rank > 2 need defined dimensions "
              "after the first, got shape " +
              s.str());
      out_dims[0] = -1;
      const Tensor flat = reshape(inputs, std::vector<int64_t>{-1, s.dim(-1)});
      outputs = reshape(matmul(flat, kernel.value()), out_dims);
    } else {
      outputs = matmul(inputs, kernel.value());
    }
    if (opts.use_bias) outputs = nn::bias_add(outputs, bias.value());
    if (opts.activation) outputs = opts.activation(outputs);
    return outputs;
  }

  int64_t units;
  DenseOptions opts;
  Variable kernel, bias;
};

}  // namespace

Dense::Dense(int64_t units, const DenseOptions& opts)
    : Layer(std::make_shared<DenseImpl>(units, opts)) {}

Tensor Dense::operator()(const Tensor& inputs) const {
  auto* d = static_cast<DenseImpl*>(impl_.get());
  return d->apply(inputs, [d](const Tensor& x) { return d->call(x); });
}

int64_t Dense::units() const { return static_cast<const DenseImpl*>(impl_.get())->units; }
Variable Dense::kernel() const { return static_cast<const DenseImpl*>(impl_.get())->kernel; }
Variable Dense::bias() const { return static_cast<const DenseImpl*>(impl_.get())->bias; }

// TF's tf.layers.dense: Dense(..., name=name, _scope=name, _reuse=reuse).
Tensor dense(const Tensor& inputs, int64_t units, const DenseOptions& opts) {
  auto layer = std::make_shared<DenseImpl>(units, opts);
  if (!opts.name.empty()) layer->capture_scope(opts.name);
  return layer->apply(inputs, [&layer](const Tensor& x) { return layer->call(x); });
}

}  // namespace tf::layers
