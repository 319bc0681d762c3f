// The inputs of FusedBatchNorm and FusedBatchNormGrad (nn_batch_norm.cc),
// shared with their kernels (kernels/cpu/nn_batch_norm.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// x: [N, H, W, C] (NHWC) or [N, C, H, W] (NCHW); scale, offset: [C]; mean,
// variance: [C] when is_training is false (the population statistics), empty
// ([0]) when it is true (the batch's are computed).
inline constexpr ArgList kFusedBatchNorm{"x: T", "scale: T", "offset: T", "mean: T", "variance: T"};
// y_backprop, x: as FusedBatchNorm's x; scale: [C]; reserve_space_1/2: the
// forward op's outputs 3 and 4 (the mean and the biased variance it used).
inline constexpr ArgList kFusedBatchNormGrad{"y_backprop: T", "x: T", "scale: T", "reserve_space_1: T",
                                             "reserve_space_2: T"};

}  // namespace tf::schema

namespace tf::schema {

// The plan-only fold of an inference FusedBatchNorm into the Conv2D it
// normalizes (nn_conv_batch_norm.cc): Conv2D's input [N, H, W, C] and filter
// [KH, KW, C, OC], then the batch norm's [OC] scale, offset, mean, variance.
inline constexpr ArgList kFusedConv2DBatchNorm{"input: T",  "filter: T", "scale: T",
                                               "offset: T", "mean: T",   "variance: T"};
// The same with the BiasAdd between them (Keras's Conv2D has a bias): its
// [OC] bias after the filter.
inline constexpr ArgList kFusedConv2DBiasAddBatchNorm{"input: T",  "filter: T", "bias: T", "scale: T",
                                                      "offset: T", "mean: T",   "variance: T"};

}  // namespace tf::schema
