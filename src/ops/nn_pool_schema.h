// The inputs of MaxPool, AvgPool and their gradients (nn_pool.cc), shared
// with their kernels (kernels/cpu/nn_pool.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// input: [N, H, W, C] (NHWC) or [N, C, H, W] (NCHW).
inline constexpr ArgList kMaxPool{"input: T"};
// MaxPool's input and output, and the output's gradient.
inline constexpr ArgList kMaxPoolGrad{"orig_input: T", "orig_output: T", "grad: T"};
inline constexpr ArgList kAvgPool{"value: T"};
// orig_input_shape: the 4 dims of AvgPool's input.
inline constexpr ArgList kAvgPoolGrad{"orig_input_shape: int32", "grad: T"};

}  // namespace tf::schema
