// _FusedConv2DBatchNorm: an inference-mode FusedBatchNorm folded into the
// Conv2D before it (Grappler's remapper folds batch norms the same way).
// Plan-only: the fusion table's rows below make it from a Conv2D whose
// output only the batch norm reads, for each data format (both ops in the
// same one), when the batch norm's other outputs are unread. Its kernel
// scales the filter by scale / sqrt(variance + epsilon) per output channel
// and adds offset - mean * that as a bias, in one convolution: the result
// rounds differently from the two ops (tested within a tolerance).
#include "nn_batch_norm_schema.h"

namespace tf {
namespace {

// The fused step carries the Conv2D's node (its strides, padding,
// dilations); its kernel reads epsilon from the batch norm's (link 1).
KPP_REGISTER_OP(OpDef{.name = "_FusedConv2DBatchNorm",
                      .inputs = schema::kFusedConv2DBatchNorm.specs(),
                      .outputs = {"y: T"},
                      .attrs = {"T: {float}", "strides: list(int)", "padding: {'SAME', 'VALID'}",
                                "data_format: {'NHWC', 'NCHW'} = 'NHWC'", "dilations: list(int) = [1, 1, 1, 1]",
                                "use_cudnn_on_gpu: bool = true"},
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

}  // namespace
}  // namespace tf
