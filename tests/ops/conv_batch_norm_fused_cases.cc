// Fused cases for _FusedConv2DBatchNorm (the inference batch norm folded
// into its Conv2D), both data formats, compared with the unfolded plan
// within a tolerance (the fold rounds differently); and the plans where it
// must not fold: a training-mode batch norm, a conv output read elsewhere.
#include <gtest/gtest.h>

#include "conformance.h"
#include "keraspp/np/philox.h"

namespace conformance {
namespace {

np::Array uniform(const np::Shape& shape, uint64_t seed, double lo, double hi) {
  np::random::Philox4x32 rng(seed, 9);
  np::Array a = np::Array::empty(shape, np::float64);
  for (int64_t i = 0; i < a.size(); ++i) {
    auto r = rng.next();
    a.set_flat(i, lo + (hi - lo) * np::random::Philox4x32::to_double(r[0], r[1]));
  }
  return a.astype(np::float32);
}

// x fed [8, 9, 9, 3] (or NCHW); conv 3x3 SAME stride 1 to 16 channels,
// then an inference batch norm with constant statistics.
struct ConvBatchNorm {
  tf::Tensor x, conv, y;
  explicit ConvBatchNorm(const std::string& format, bool is_training = false, bool with_bias = false) {
    const bool nchw = format == "NCHW";
    x = tf::placeholder(tf::float32, tf::TensorShape(nchw ? std::vector<int64_t>{-1, 3, 9, 9}
                                                          : std::vector<int64_t>{-1, 9, 9, 3}));
    conv = tf::nn::conv2d(x, tf::constant(uniform({3, 3, 3, 16}, 2, -0.5, 0.5)), {1, 1, 1, 1}, "SAME", format);
    if (with_bias) conv = tf::nn::bias_add(conv, tf::constant(uniform({16}, 7, -1, 1)), format);
    const tf::Tensor scale = tf::constant(uniform({16}, 3, 0.5, 1.5)), offset = tf::constant(uniform({16}, 4, -1, 1));
    const tf::Tensor mean = tf::constant(uniform({16}, 5, -0.3, 0.3)), var = tf::constant(uniform({16}, 6, 0.2, 2));
    y = is_training ? tf::nn::fused_batch_norm(conv, scale, offset, {}, {}, 0.001, format, true).y
                    : tf::nn::fused_batch_norm(conv, scale, offset, mean, var, 0.001, format, false).y;
  }
  tf::FeedDict feeds() const {
    const auto& d = x.shape().dims();
    return {{x, uniform({8, d[1], d[2], d[3]}, 1, -1, 1)}};
  }
};

FusedCase conv_batch_norm(const std::string& format, bool with_bias = false) {
  return FusedCase{.op = with_bias ? "_FusedConv2DBiasAddBatchNorm" : "_FusedConv2DBatchNorm", .label = format,
                   .build = [format, with_bias](np::DType) {
                     const ConvBatchNorm net(format, false, with_bias);
                     return FusedBuilt{.fetches = {net.y}, .feeds = net.feeds()};
                   },
                   .tolerance = 1e-5};
}
CONFORMANCE_FUSED_CASE(conv_batch_norm("NHWC"));
CONFORMANCE_FUSED_CASE(conv_batch_norm("NCHW"));
CONFORMANCE_FUSED_CASE(conv_batch_norm("NHWC", true));
CONFORMANCE_FUSED_CASE(conv_batch_norm("NCHW", true));

bool ran(const tf::Session& s, const std::string& op) {
  return s.profile_report().find("\n" + op + " ") != std::string::npos;
}

TEST(ConvBatchNormFold, NotInTrainingOrWhenTheConvOutputIsRead) {
  {
    tf::Graph g;
    auto guard = g.as_default();
    const ConvBatchNorm training("NHWC", true);
    tf::Session s(g);
    s.set_profiling(true);
    s.run(training.y, training.feeds());
    EXPECT_FALSE(ran(s, "_FusedConv2DBatchNorm")) << s.profile_report();
    EXPECT_TRUE(ran(s, "FusedBatchNorm")) << s.profile_report();
  }
  tf::Graph g;
  auto guard = g.as_default();
  const ConvBatchNorm net("NHWC");
  tf::Session s(g);
  s.set_profiling(true);
  s.run(std::vector<tf::Tensor>{net.y, net.conv}, net.feeds());
  EXPECT_FALSE(ran(s, "_FusedConv2DBatchNorm")) << s.profile_report();
  tf::Session folded(g);
  folded.set_profiling(true);
  folded.run(net.y, net.feeds());
  EXPECT_TRUE(ran(folded, "_FusedConv2DBatchNorm")) << folded.profile_report();
}

}  // namespace
}  // namespace conformance
