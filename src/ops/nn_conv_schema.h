// The inputs of Conv2D, DepthwiseConv2dNative and their backprops
// (nn_conv.cc), shared with their kernels (kernels/cpu/nn_conv.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// input: [N, H, W, C] (NHWC) or [N, C, H, W] (NCHW); filter: [KH, KW, C, OC].
inline constexpr ArgList kConv2D{"input: T", "filter: T"};
// input_sizes: the 4 dims of Conv2D's input; out_backprop: Conv2D's output's gradient.
inline constexpr ArgList kConv2DBackpropInput{"input_sizes: int32", "filter: T", "out_backprop: T"};
// filter_sizes: the 4 dims of Conv2D's filter.
inline constexpr ArgList kConv2DBackpropFilter{"input: T", "filter_sizes: int32", "out_backprop: T"};


// filter: [KH, KW, C, M] -> output channels C * M (channel c * M + m).
inline constexpr ArgList kDepthwiseConv2dNative{"input: T", "filter: T"};
inline constexpr ArgList kDepthwiseConv2dNativeBackpropInput{"input_sizes: int32", "filter: T",
                                                             "out_backprop: T"};
inline constexpr ArgList kDepthwiseConv2dNativeBackpropFilter{"input: T", "filter_sizes: int32",
                                                              "out_backprop: T"};

// The plan's Conv2D -> BiasAdd (-> Relu) (_FusedConv2D, _FusedConv2DRelu):
// Conv2D's inputs and BiasAdd's bias [OC].
inline constexpr ArgList kFusedConv2D{"input: T", "filter: T", "bias: T"};

}  // namespace tf::schema
