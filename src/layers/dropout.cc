// tf.layers.dropout / Dropout and tf.layers.flatten / Flatten.
#include "keraspp/layers/core.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"

namespace tf::layers {

namespace {

struct DropoutImpl : Layer::Impl {
  DropoutImpl(ValueOrTensor<double> rate_, const DropoutLayerOptions& o)
      : Impl("dropout", true, o.name, Reuse()), rate(std::move(rate_)), opts(o) {}

  Tensor dropped(const Tensor& x) const {
    const nn::DropoutOptions nn_opts{.noise_shape = opts.noise_shape, .seed = opts.seed};
    if (rate.is_tensor()) return nn::dropout(x, 1.0 - rate.tensor(), nn_opts);
    return nn::dropout(x, 1.0 - rate.value(), nn_opts);
  }

  Tensor call(const Tensor& x, const ValueOrTensor<bool>& training) const {
    if (!training.is_tensor()) return training.value() ? dropped(x) : identity(x);
    const Tensor& t = training.tensor();
    if (t.dtype() != bool_)
      throw keraspp::TypeError("`training` must be a bool tensor, got " +
                               np::dtype_name(t.dtype()) + " (" + t.name() + ")");
    if (t.shape().has_rank() && t.shape().rank() != 0)
      throw keraspp::ValueError("`training` must be a scalar, got shape " + t.shape().str());
    // Both branches are built; the flag picks one per run (TF builds a cond).
    return where(t, dropped(x), identity(x));
  }

  ValueOrTensor<double> rate;
  DropoutLayerOptions opts;
};

struct FlattenImpl : Layer::Impl {
  explicit FlattenImpl(const FlattenOptions& o) : Impl("flatten", true, o.name, Reuse()) {}

  // x: [batch, d1, ..., dn] -> [batch, d1 * ... * dn].
  Tensor call(const Tensor& x) const {
    const TensorShape& s = x.shape();
    if (!s.has_rank() || s.rank() < 2)
      throw keraspp::ValueError(
          "Input 0 of layer " + name +
          " is incompatible with the layer: expected min_ndim=2, found ndim=" +
          (s.has_rank() ? std::to_string(s.rank()) : "None") +
          ". Full shape received: " + s.debug_str());
    int64_t inner = 1;
    for (int i = 1; i < s.rank(); ++i) inner = s.dim(i) < 0 || inner < 0 ? -1 : inner * s.dim(i);
    if (inner >= 0) return reshape(x, std::vector<int64_t>{s.dim(0) >= 0 ? s.dim(0) : -1, inner});
    if (s.dim(0) >= 0) return reshape(x, std::vector<int64_t>{s.dim(0), -1});
    // Both the batch and an inner dim unknown: [shape(x)[0], -1] at run time.
    std::vector<int32_t> first(static_cast<size_t>(s.rank()), 0);
    first[0] = 1;
    const Tensor pick = constant(np::Array::from_vector(first, {s.rank()}));
    const Tensor batch = reshape(reduce_sum(multiply(shape(x), pick)), std::vector<int64_t>{1});
    const Tensor rest = constant(np::Array::from_vector(std::vector<int32_t>{-1}, {1}));
    Tensor out = reshape(x, concat({batch, rest}, 0));
    out.set_shape(TensorShape({-1, -1}));
    return out;
  }
};

}  // namespace

Dropout::Dropout(ValueOrTensor<double> rate, const DropoutLayerOptions& opts)
    : Layer(std::make_shared<DropoutImpl>(std::move(rate), opts)) {}

Tensor Dropout::operator()(const Tensor& inputs, ValueOrTensor<bool> training) const {
  auto* d = static_cast<DropoutImpl*>(impl_.get());
  return d->apply(inputs, [d, &training](const Tensor& x) { return d->call(x, training); });
}

Tensor dropout(const Tensor& inputs, const DropoutOptions& opts) {
  return Dropout(opts.rate,
                 {.noise_shape = opts.noise_shape, .seed = opts.seed, .name = opts.name})(
      inputs, opts.training);
}

Flatten::Flatten(const FlattenOptions& opts) : Layer(std::make_shared<FlattenImpl>(opts)) {}

Tensor Flatten::operator()(const Tensor& inputs) const {
  auto* d = static_cast<FlattenImpl*>(impl_.get());
  return d->apply(inputs, [d](const Tensor& x) { return d->call(x); });
}

Tensor flatten(const Tensor& inputs, const FlattenOptions& opts) { return Flatten(opts)(inputs); }

}  // namespace tf::layers
