// _FusedConv2DBatchNorm: an inference-mode FusedBatchNorm folded into the
// Conv2D before it (Grappler's remapper folds batch norms the same way).
// Plan-only: the fusion table's rows below make it from a Conv2D whose
// output only the batch norm reads, for each data format (both ops in the
// same one), when the batch norm's other outputs are unread, with or
// without a BiasAdd between them. Its kernel scales the filter by
// s = scale / sqrt(variance + epsilon) per output channel and adds
// (bias - mean) * s + offset as a bias, in one convolution: the result
// rounds differently from the two ops (tested within a tolerance).
#include "nn_batch_norm_schema.h"

namespace tf {
namespace {

// The fused steps carry the Conv2D's node (its strides, padding,
// dilations); their kernel reads epsilon from the batch norm's (the last link).
const std::vector<std::string> kConvAttrs = {"T: {float}", "strides: list(int)", "padding: {'SAME', 'VALID'}",
                                             "data_format: {'NHWC', 'NCHW'} = 'NHWC'",
                                             "dilations: list(int) = [1, 1, 1, 1]", "use_cudnn_on_gpu: bool = true"};
KPP_REGISTER_OP(OpDef{.name = "_FusedConv2DBatchNorm",
                      .inputs = schema::kFusedConv2DBatchNorm.specs(),
                      .outputs = {"y: T"},
                      .attrs = kConvAttrs,
                      .differentiable = false,
                      .allocates_outputs = true,
                      .plan_only = true});
KPP_REGISTER_OP(OpDef{.name = "_FusedConv2DBiasAddBatchNorm",
                      .inputs = schema::kFusedConv2DBiasAddBatchNorm.specs(),
                      .outputs = {"y: T"},
                      .attrs = kConvAttrs,
                      .differentiable = false,
                      .allocates_outputs = true,
                      .plan_only = true});

FusionPattern conv_batch_norm_row(const std::string& format) {
  return FusionPattern{
      .fused_op = "_FusedConv2DBatchNorm",
      .chain = {{"Conv2D", "", {{"data_format", format}}},
                {"FusedBatchNorm", "x", {{"is_training", false}, {"data_format", format}}}},
      .inputs = {{0, "input"}, {0, "filter"}, {1, "scale"}, {1, "offset"}, {1, "mean"}, {1, "variance"}},
      .outputs = {1}};
}
KPP_REGISTER_FUSION(conv_batch_norm_row("NHWC"));
KPP_REGISTER_FUSION(conv_batch_norm_row("NCHW"));

FusionPattern conv_bias_batch_norm_row(const std::string& format) {
  return FusionPattern{
      .fused_op = "_FusedConv2DBiasAddBatchNorm",
      .chain = {{"Conv2D", "", {{"data_format", format}}},
                {"BiasAdd", "value", {{"data_format", format}}},
                {"FusedBatchNorm", "x", {{"is_training", false}, {"data_format", format}}}},
      .inputs = {{0, "input"}, {0, "filter"}, {1, "bias"}, {2, "scale"}, {2, "offset"}, {2, "mean"}, {2, "variance"}},
      .outputs = {2}};
}
KPP_REGISTER_FUSION(conv_bias_batch_norm_row("NHWC"));
KPP_REGISTER_FUSION(conv_bias_batch_norm_row("NCHW"));

}  // namespace
}  // namespace tf
