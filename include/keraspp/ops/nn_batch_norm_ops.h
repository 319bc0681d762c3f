// tf::nn batch normalization: moments, batch_normalization and
// fused_batch_norm, with TF 1.x's names, argument order, defaults and
// default op names.
#pragma once
#include <string>
#include <vector>

#include "keraspp/ops/builder.h"
#include "keraspp/ops/math_ops.h"

namespace tf::nn {

// The mean and (biased) variance of x over `axes`.
struct Moments {
  Tensor mean;
  Tensor variance;
};
// x: any shape -> mean and variance reduced over axes (kept as size-1 dims
// with keep_dims), under a "moments" name scope: "moments/mean",
// "moments/variance" (reduce_mean of squared_difference(x,
// stop_gradient(mean))). `shift` is accepted as TF 1.x's argument and not
// needed by this formulation (it only changed rounding there).
Moments moments(const Tensor& x, const std::vector<int>& axes, const Tensor& shift = Tensor(),
                const std::string& name = "", bool keep_dims = false);

// (x - mean) * rsqrt(variance + variance_epsilon) * scale + offset, with
// broadcasting, under a "batchnorm" name scope as TF builds it
// (x * inv + (offset - mean * inv)). offset / scale may be empty (None).
Tensor batch_normalization(const Tensor& x, const Tensor& mean, const Tensor& variance,
                           const Tensor& offset, const Tensor& scale, double variance_epsilon,
                           const std::string& name = "");

// fused_batch_norm's outputs (Python's 3-tuple): y in x's shape, and the
// [C] batch mean and variance (Bessel-corrected, n / (n - 1), in training;
// the given mean and variance otherwise).
struct FusedBatchNormOutputs {
  Tensor y;
  Tensor batch_mean;
  Tensor batch_variance;
};
// x: [N, H, W, C] (NHWC) or [N, C, H, W] (NCHW); scale, offset: [C] (offset
// empty: zeros); mean, variance: [C], required when is_training is false.
// One "FusedBatchNorm" op; epsilon below 1.001e-5 is raised to it (cuDNN's
// minimum, as TF does).
FusedBatchNormOutputs fused_batch_norm(const Tensor& x, const Tensor& scale, const Tensor& offset = Tensor(),
                                       const Tensor& mean = Tensor(), const Tensor& variance = Tensor(),
                                       double epsilon = 0.001, const std::string& data_format = "NHWC",
                                       bool is_training = true, const std::string& name = "");

}  // namespace tf::nn
