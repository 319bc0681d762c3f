// FusedBatchNorm and FusedBatchNormGrad (TF 1.x's nn_ops.cc / nn_grad.py),
// and tf::nn::moments / batch_normalization / fused_batch_norm
// (nn_impl.py).
#include "keraspp/ops/nn_batch_norm_ops.h"

#include <algorithm>

#include "keraspp/errors.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/stack_ops.h"

#include "nn_batch_norm_schema.h"
#include "nn_window.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

const std::vector<std::string> kBatchNormAttrs = {"T: {float, double}", "epsilon: float = 0.0001",
                                                  "data_format: {'NHWC', 'NCHW'} = 'NHWC'",
                                                  "is_training: bool = true"};

// Input `i` must be a vector; returns its length (-1 unknown).
int64_t vector_length(const InferenceContext& c, int i) {
  const TensorShape& s = c.input_shapes[static_cast<size_t>(i)];
  if (!s.has_rank()) return -1;
  if (s.rank() != 1) throw ShapeError("Shape must be rank 1 but is rank " + std::to_string(s.rank()));
  return s.dim(0);
}

// Merges a known channel count with a [C] input's length (TF's Merge wording).
int64_t merge_channels(int64_t channels, int64_t length) {
  if (channels >= 0 && length >= 0 && channels != length)
    throw ShapeError("Dimensions must be equal, but are " + std::to_string(channels) + " and " +
                     std::to_string(length));
  return channels >= 0 ? channels : length;
}

// x (input `x_input`): rank 4 -> its channel count (-1 unknown), merged with
// the lengths of the [C] inputs `vectors`.
int64_t checked_channels(const InferenceContext& c, int x_input, const std::vector<int>& vectors) {
  const TensorShape& x = c.input_shapes[static_cast<size_t>(x_input)];
  if (x.has_rank() && x.rank() != 4)
    throw ShapeError("Shape must be rank 4 but is rank " + std::to_string(x.rank()));
  const window::Format f(c.attr<std::string>("data_format"));
  int64_t channels = x.has_rank() ? x.dim(f.c()) : -1;
  for (int v : vectors) channels = merge_channels(channels, vector_length(c, v));
  return channels;
}

// TF's FusedBatchNormShape: y like x, four [C] statistics.
void fused_batch_norm_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  constexpr auto& s = schema::kFusedBatchNorm;
  std::vector<int> vectors = {s.index("scale"), s.index("offset")};
  if (!c.attr<bool>("is_training")) vectors.insert(vectors.end(), {s.index("mean"), s.index("variance")});
  const TensorShape stat({checked_channels(c, s.index("x"), vectors)});
  const DType t = c.input_dtypes[0];
  c.set_output(0, t, c.input_shapes[s.index("x")]);
  for (int i = 1; i < 5; ++i) c.set_output(i, t, stat);
}

// TF's FusedBatchNormGradShape: x_backprop like x, [C] scale and offset
// gradients, and two empty reserve spaces.
void fused_batch_norm_grad_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  constexpr auto& s = schema::kFusedBatchNormGrad;
  const TensorShape& dy = c.input_shapes[s.index("y_backprop")];
  const TensorShape& x = c.input_shapes[s.index("x")];
  if (dy.has_rank() && dy.rank() != 4)
    throw ShapeError("Shape must be rank 4 but is rank " + std::to_string(dy.rank()));
  std::vector<int64_t> merged;
  if (dy.has_rank() && x.has_rank() && x.rank() == 4) shape_fns::merge_dims(dy, x, 4, merged);
  const TensorShape stat({checked_channels(
      c, s.index("x"), {s.index("scale"), s.index("reserve_space_1"), s.index("reserve_space_2")})});
  const DType t = c.input_dtypes[0];
  c.set_output(0, t, merged.empty() ? (x.has_rank() ? x : dy) : TensorShape(merged));
  c.set_output(1, t, stat);
  c.set_output(2, t, stat);
  c.set_output(3, t, TensorShape({0}));
  c.set_output(4, t, TensorShape({0}));
}

AttrMap batch_norm_attrs(const Operation& op) {
  AttrMap a = op.attrs();
  a.erase("T");
  return a;
}

KPP_REGISTER_OP(OpDef{
    .name = "FusedBatchNorm",
    .inputs = schema::kFusedBatchNorm.specs(),
    .outputs = {"y: T", "batch_mean: T", "batch_variance: T", "reserve_space_1: T", "reserve_space_2: T"},
    .attrs = kBatchNormAttrs,
    .shape_fn = fused_batch_norm_shape,
    // TF's _FusedBatchNormGrad: only y's gradient flows back, to x, scale
    // and offset (mean and variance get None).
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      if (!g[0]) return {};
      const Operation d = op_builder::create(
          "FusedBatchNormGrad", {g[0], op.input(0), op.input(1), op.output(3), op.output(4)},
          batch_norm_attrs(op));
      return {d.output(0), d.output(1), d.output(2), Tensor(), Tensor()};
    },
    .allocates_outputs = true,
});

// TF 1.x gives FusedBatchNormGrad no gradient of its own.
KPP_REGISTER_OP(OpDef{
    .name = "FusedBatchNormGrad",
    .inputs = schema::kFusedBatchNormGrad.specs(),
    .outputs = {"x_backprop: T", "scale_backprop: T", "offset_backprop: T", "reserve_space_3: T",
                "reserve_space_4: T"},
    .attrs = kBatchNormAttrs,
    .shape_fn = fused_batch_norm_grad_shape,
    .differentiable = false,
    .allocates_outputs = true,
});

// An empty float vector of x's dtype (TF's `constant([])` for None).
Tensor empty_vector(DType t) { return constant(np::Array::empty({0}, t)); }

}  // namespace

namespace nn {

Moments moments(const Tensor& x, const std::vector<int>& axes, const Tensor& /*shift*/,
                const std::string& name, bool keep_dims) {
  name_scope scope(name.empty() ? "moments" : name);
  const Tensor mean = reduce_mean(x, axes, {.keepdims = true, .name = "mean"});
  const Tensor variance =
      reduce_mean(squared_difference(x, stop_gradient(mean)), axes, {.keepdims = true, .name = "variance"});
  if (keep_dims) return {mean, variance};
  return {squeeze(mean, axes), squeeze(variance, axes)};
}

Tensor batch_normalization(const Tensor& x, const Tensor& mean, const Tensor& variance, const Tensor& offset,
                           const Tensor& scale, double variance_epsilon, const std::string& name) {
  name_scope scope(name.empty() ? "batchnorm" : name);
  // Python's operators, in its evaluation order, give TF's op names:
  // add, Rsqrt, mul, mul_1, mul_2, sub, add_1.
  Tensor inv = rsqrt(variance + variance_epsilon);
  if (scale) inv = inv * scale;
  const Tensor scaled = x * inv;
  const Tensor mean_inv = mean * inv;
  return scaled + (offset ? offset - mean_inv : -mean_inv);
}

FusedBatchNormOutputs fused_batch_norm(const Tensor& x, const Tensor& scale, const Tensor& offset,
                                       const Tensor& mean, const Tensor& variance, double epsilon,
                                       const std::string& data_format, bool is_training,
                                       const std::string& name) {
  if (!is_training && (!mean || !variance))
    throw keraspp::ValueError("Both 'mean' and 'variance' must be a 1D tensor when is_training is False.");
  const DType t = x.dtype();
  Tensor off = offset;
  if (!off) {
    const TensorShape& s = scale.shape();
    if (!s.fully_defined()) throw keraspp::ValueError("fused_batch_norm: offset None needs a known scale shape");
    off = tf::zeros(s.dims(), t);
  }
  constexpr double kMinEpsilon = 1.001e-5;  // cuDNN's CUDNN_BN_MIN_EPSILON, as TF
  const Operation op = op_builder::create(
      "FusedBatchNorm",
      {x, scale, off, mean ? mean : empty_vector(t), variance ? variance : empty_vector(t)},
      {{"epsilon", std::max(epsilon, kMinEpsilon)}, {"data_format", data_format}, {"is_training", is_training}},
      name);
  return {op.output(0), op.output(1), op.output(2)};
}

}  // namespace nn
}  // namespace tf
