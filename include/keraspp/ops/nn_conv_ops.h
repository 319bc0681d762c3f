// tf::nn convolution and pooling: conv2d, depthwise_conv2d, separable_conv2d,
// conv2d_transpose, conv1d, max_pool, avg_pool, with
// TF 1.x's names, argument order, defaults and default op names.
//
// Shapes: NHWC (TF's default) is [batch, height, width, channels], NCHW
// [batch, channels, height, width]; a 2-D filter is [KH, KW, in, out]; the
// 4-value lists (strides, ksize, dilations) follow the data format's order
// and must be 1 in the batch and channel positions. padding is "SAME"
// (output = ceil(in / stride), TF's asymmetric padding: the odd one after)
// or "VALID" (no padding). Bad arguments raise ValueError at construction.
#pragma once
#include <string>
#include <vector>

#include "keraspp/ops/builder.h"

namespace tf::nn {

// input [N, H, W, C], filter [KH, KW, C, OC] -> [N, OH, OW, OC] (op "Conv2D").
// TF's use_cudnn_on_gpu argument is left out (an attr defaulting to true).
Tensor conv2d(const Tensor& input, const Tensor& filter, const std::vector<int64_t>& strides,
              const std::string& padding, const std::string& data_format = "NHWC",
              const std::vector<int64_t>& dilations = {1, 1, 1, 1}, const std::string& name = "");

// input [N, H, W, C], filter [KH, KW, C, M] -> [N, OH, OW, C * M]: each input
// channel convolved with its own M filters (op "DepthwiseConv2dNative", named
// "depthwise" by default as TF's scope names it). rate: the dilation [2];
// rate > 1 needs unit strides (ValueError).
Tensor depthwise_conv2d(const Tensor& input, const Tensor& filter, const std::vector<int64_t>& strides,
                        const std::string& padding, const std::vector<int64_t>& rate = {1, 1},
                        const std::string& name = "", const std::string& data_format = "NHWC");

// A depthwise_conv2d with depthwise_filter [KH, KW, C, M] (op
// "separable_conv2d/depthwise") then a 1x1 conv2d with pointwise_filter
// [1, 1, C * M, OC] (op "separable_conv2d") -> [N, OH, OW, OC].
Tensor separable_conv2d(const Tensor& input, const Tensor& depthwise_filter, const Tensor& pointwise_filter,
                        const std::vector<int64_t>& strides, const std::string& padding,
                        const std::vector<int64_t>& rate = {1, 1}, const std::string& name = "",
                        const std::string& data_format = "NHWC");

// The gradient of conv2d as a forward op: value [N, H, W, IC], filter
// [KH, KW, OC, IC] -> output_shape [N, OH, OW, OC] (a 4-vector, int32), op
// "conv2d_transpose" (a Conv2DBackpropInput). TF's ValueErrors for channels
// that do not match the filter and a malformed output_shape.
Tensor conv2d_transpose(const Tensor& value, const Tensor& filter, const Tensor& output_shape,
                        const std::vector<int64_t>& strides, const std::string& padding = "SAME",
                        const std::string& data_format = "NHWC", const std::string& name = "");
Tensor conv2d_transpose(const Tensor& value, const Tensor& filter, const std::vector<int64_t>& output_shape,
                        const std::vector<int64_t>& strides, const std::string& padding = "SAME",
                        const std::string& data_format = "NHWC", const std::string& name = "");

// value [N, W, C] ("NWC") or [N, C, W] ("NCW"), filters [K, C, OC] -> [N, OW, OC]:
// a 1 x K conv2d under a "conv1d" name scope, as TF builds it.
Tensor conv1d(const Tensor& value, const Tensor& filters, int64_t stride, const std::string& padding,
              const std::string& data_format = "NWC", const std::string& name = "");

// value [N, H, W, C] -> [N, OH, OW, C], the max of each ksize window (op "MaxPool").
Tensor max_pool(const Tensor& value, const std::vector<int64_t>& ksize,
                const std::vector<int64_t>& strides, const std::string& padding,
                const std::string& data_format = "NHWC", const std::string& name = "");

// value [N, H, W, C] -> [N, OH, OW, C], the mean of each window's unpadded
// elements (op "AvgPool").
Tensor avg_pool(const Tensor& value, const std::vector<int64_t>& ksize,
                const std::vector<int64_t>& strides, const std::string& padding,
                const std::string& data_format = "NHWC", const std::string& name = "");

}  // namespace tf::nn
