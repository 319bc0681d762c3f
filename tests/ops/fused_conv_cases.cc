// Fused cases for the conv rows of the fusion table: Conv2D -> BiasAdd
// (-> Relu) in both data formats, strided / padded so oneDNN's edges run.
#include "conformance.h"
#include "keraspp/np/philox.h"

namespace conformance {
namespace {

np::Array uniform(const np::Shape& shape, uint64_t seed, np::DType dtype) {
  np::random::Philox4x32 rng(seed, 9);
  np::Array a = np::Array::empty(shape, np::float64);
  for (int64_t i = 0; i < a.size(); ++i) {
    auto r = rng.next();
    a.set_flat(i, -1 + 2 * np::random::Philox4x32::to_double(r[0], r[1]));
  }
  return a.astype(dtype);
}

// x [N, 9, 8, 5] (or NCHW) fed; a 3x3 filter to 16 channels, stride 2, SAME.
FusedBuilt conv_bias(np::DType t, const std::string& format, bool relu) {
  const bool nchw = format == "NCHW";
  const np::Shape x_shape = nchw ? np::Shape{6, 5, 9, 8} : np::Shape{6, 9, 8, 5};
  const tf::Tensor x = tf::placeholder(t, tf::TensorShape(x_shape), "x");
  const tf::Tensor w = tf::constant(uniform({3, 3, 5, 16}, 2, t));
  const tf::Tensor b = tf::constant(uniform({16}, 3, t));
  const std::vector<int64_t> strides = nchw ? std::vector<int64_t>{1, 1, 2, 2} : std::vector<int64_t>{1, 2, 2, 1};
  tf::Tensor y = tf::nn::bias_add(tf::nn::conv2d(x, w, strides, "SAME", format), b, format);
  if (relu) y = tf::nn::relu(y);
  return FusedBuilt{.fetches = {y}, .feeds = {{x, uniform(x_shape, 1, t)}}};
}

CONFORMANCE_FUSED_CASE(FusedCase{.op = "_FusedConv2D", .label = "nhwc",
                                 .build = [](np::DType t) { return conv_bias(t, "NHWC", false); }});
CONFORMANCE_FUSED_CASE(FusedCase{.op = "_FusedConv2D", .label = "nchw",
                                 .build = [](np::DType t) { return conv_bias(t, "NCHW", false); }});
CONFORMANCE_FUSED_CASE(FusedCase{.op = "_FusedConv2DRelu", .label = "nhwc",
                                 .build = [](np::DType t) { return conv_bias(t, "NHWC", true); }});
CONFORMANCE_FUSED_CASE(FusedCase{.op = "_FusedConv2DRelu", .label = "nchw",
                                 .build = [](np::DType t) { return conv_bias(t, "NCHW", true); }});

}  // namespace
}  // namespace conformance
