// tf.layers.conv2d / Conv2D and the 2-D pooling layers (TF 1.x's
// layers/convolutional.py and pooling.py).
#include "keraspp/layers/convolutional.h"

#include "conv_args.h"
#include "keraspp/ops/nn_conv_ops.h"
#include "keraspp/ops/nn_ops.h"

namespace tf::layers {

namespace {

using conv_args::checked_format;
using conv_args::checked_padding;
using conv_args::window_list;

struct Conv2DImpl : Layer::Impl {
  Conv2DImpl(int64_t filters_, IntPair kernel_size_, const Conv2DOptions& o)
      : Impl((checked_padding(o.padding), checked_format(o.data_format), "conv2d"), o.trainable, o.name, o.reuse,
             o.activity_regularizer),
        filters(filters_),
        kernel_size(kernel_size_),
        opts(o) {
    if (filters <= 0)
      throw keraspp::ValueError("Conv2D: filters must be a positive integer, got " + std::to_string(filters));
  }

  bool nchw() const { return opts.data_format == "channels_first"; }

  // input_shape: [batch, rows, cols, in] -> kernel [kh, kw, in, filters], bias [filters].
  void build(const TensorShape& input_shape) override {
    if (!input_shape.has_rank() || input_shape.rank() != 4)
      throw keraspp::ValueError("Input 0 of layer " + name + " is incompatible with the layer: expected ndim=4, found ndim=" +
                                (input_shape.has_rank() ? std::to_string(input_shape.rank()) : "None"));
    const int64_t in = input_shape.dim(nchw() ? 1 : -1);
    if (in < 0)
      throw keraspp::ValueError("The channel dimension of the inputs should be defined. Found `None`.");
    kernel = add_variable("kernel", TensorShape({kernel_size.rows, kernel_size.cols, in, filters}),
                          opts.kernel_initializer, opts.kernel_regularizer);
    if (opts.use_bias)
      bias = add_variable("bias", TensorShape({filters}), opts.bias_initializer, opts.bias_regularizer);
  }

  Tensor call(const Tensor& inputs) const {
    const std::string format = nchw() ? "NCHW" : "NHWC";
    const std::string padding = opts.padding == "same" ? "SAME" : "VALID";
    Tensor outputs = nn::conv2d(inputs, kernel.value(), window_list(opts.strides, nchw()), padding, format,
                                window_list(opts.dilation_rate, nchw()), "convolution");
    if (opts.use_bias) outputs = nn::bias_add(outputs, bias.value(), format);
    if (opts.activation) outputs = opts.activation(outputs);
    return outputs;
  }

  int64_t filters;
  IntPair kernel_size;
  Conv2DOptions opts;
  Variable kernel, bias;
};

struct Pooling2DImpl : Layer::Impl {
  Pooling2DImpl(bool max_, IntPair pool_size_, IntPair strides_, const Pooling2DOptions& o)
      : Impl((checked_padding(o.padding), checked_format(o.data_format), max_ ? "max_pooling2d" : "average_pooling2d"),
             true, o.name, Reuse{}),
        max(max_),
        pool_size(pool_size_),
        strides(strides_),
        opts(o) {}

  Tensor call(const Tensor& inputs) const {
    const bool nchw = opts.data_format == "channels_first";
    const std::string padding = opts.padding == "same" ? "SAME" : "VALID";
    const auto k = window_list(pool_size, nchw), s = window_list(strides, nchw);
    const std::string format = nchw ? "NCHW" : "NHWC";
    return max ? nn::max_pool(inputs, k, s, padding, format) : nn::avg_pool(inputs, k, s, padding, format);
  }

  bool max;
  IntPair pool_size, strides;
  Pooling2DOptions opts;
};

template <class L> Tensor apply_layer(const std::shared_ptr<L>& layer, const Tensor& inputs) {
  return layer->apply(inputs, [&layer](const Tensor& x) { return layer->call(x); });
}

}  // namespace

Conv2D::Conv2D(int64_t filters, IntPair kernel_size, const Conv2DOptions& opts)
    : Layer(std::make_shared<Conv2DImpl>(filters, kernel_size, opts)) {}

Tensor Conv2D::operator()(const Tensor& inputs) const {
  auto* c = static_cast<Conv2DImpl*>(impl_.get());
  return c->apply(inputs, [c](const Tensor& x) { return c->call(x); });
}
Variable Conv2D::kernel() const { return static_cast<const Conv2DImpl*>(impl_.get())->kernel; }
Variable Conv2D::bias() const { return static_cast<const Conv2DImpl*>(impl_.get())->bias; }

// TF's tf.layers.conv2d: Conv2D(..., name=name, _scope=name, _reuse=reuse).
Tensor conv2d(const Tensor& inputs, int64_t filters, IntPair kernel_size, const Conv2DOptions& opts) {
  auto layer = std::make_shared<Conv2DImpl>(filters, kernel_size, opts);
  if (!opts.name.empty()) layer->capture_scope(opts.name);
  return apply_layer(layer, inputs);
}

MaxPooling2D::MaxPooling2D(IntPair pool_size, IntPair strides, const Pooling2DOptions& opts)
    : Layer(std::make_shared<Pooling2DImpl>(true, pool_size, strides, opts)) {}
Tensor MaxPooling2D::operator()(const Tensor& inputs) const {
  auto* p = static_cast<Pooling2DImpl*>(impl_.get());
  return p->apply(inputs, [p](const Tensor& x) { return p->call(x); });
}

AveragePooling2D::AveragePooling2D(IntPair pool_size, IntPair strides, const Pooling2DOptions& opts)
    : Layer(std::make_shared<Pooling2DImpl>(false, pool_size, strides, opts)) {}
Tensor AveragePooling2D::operator()(const Tensor& inputs) const {
  auto* p = static_cast<Pooling2DImpl*>(impl_.get());
  return p->apply(inputs, [p](const Tensor& x) { return p->call(x); });
}

// The functional forms build a fresh layer each call (TF 1.x's).
Tensor max_pooling2d(const Tensor& inputs, IntPair pool_size, IntPair strides, const Pooling2DOptions& opts) {
  return apply_layer(std::make_shared<Pooling2DImpl>(true, pool_size, strides, opts), inputs);
}
Tensor average_pooling2d(const Tensor& inputs, IntPair pool_size, IntPair strides, const Pooling2DOptions& opts) {
  return apply_layer(std::make_shared<Pooling2DImpl>(false, pool_size, strides, opts), inputs);
}

}  // namespace tf::layers
