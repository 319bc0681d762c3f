// tf::nn batch normalization beyond the conformance cases: moments and
// batch_normalization (composites: names and values), fused_batch_norm's
// graph-construction errors, and a small conv + fused-BN net whose training
// allocates nothing in steady state and repeats bit for bit at any team size.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;
using Dims = std::vector<int64_t>;

np::Array ramp(const Dims& shape) {
  np::Array a = np::Array::empty(shape, np::float32);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, std::sin(0.7 * static_cast<double>(i)) * 2 + 0.1 * (i % 3));
  return a;
}

TEST(BatchNormOps, MomentsNamesShapesAndValues) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::constant(ramp({4, 3}));
  const auto [mean, variance] = tf::nn::moments(x, {0});
  EXPECT_EQ(mean.shape(), tf::TensorShape({3}));
  const auto kept = tf::nn::moments(x, {0}, tf::Tensor(), "", true);
  EXPECT_EQ(kept.mean.name(), "moments_1/mean:0");
  EXPECT_EQ(kept.variance.name(), "moments_1/variance:0");
  EXPECT_EQ(kept.variance.shape(), tf::TensorShape({1, 3}));
  tf::Session s(g);
  const auto r = s.run(std::vector<tf::Tensor>{mean, variance});
  const np::Array xs = ramp({4, 3});
  for (int64_t c = 0; c < 3; ++c) {
    double m = 0, v = 0;
    for (int64_t n = 0; n < 4; ++n) m += xs.get_flat(n * 3 + c) / 4;
    for (int64_t n = 0; n < 4; ++n) v += std::pow(xs.get_flat(n * 3 + c) - m, 2) / 4;
    EXPECT_NEAR(r[0].get_flat(c), m, 1e-6);
    EXPECT_NEAR(r[1].get_flat(c), v, 1e-5);
  }
}

// batch_normalization (the composite) and fused_batch_norm in inference
// mode compute the same function.
TEST(BatchNormOps, BatchNormalizationMatchesFusedInference) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::constant(ramp({2, 3, 3, 4}));
  const tf::Tensor mean = tf::constant(ramp({4})), var = tf::add(tf::square(tf::constant(ramp({4}))), 0.5);
  const tf::Tensor scale = tf::constant(ramp({4})), offset = tf::constant(ramp({4}));
  const tf::Tensor composite = tf::nn::batch_normalization(x, mean, var, offset, scale, 0.001);
  EXPECT_EQ(composite.name(), "batchnorm/add_1:0");
  const auto fused = tf::nn::fused_batch_norm(x, scale, offset, mean, var, 0.001, "NHWC", false);
  EXPECT_EQ(fused.y.name(), "FusedBatchNorm:0");
  EXPECT_EQ(fused.batch_mean.name(), "FusedBatchNorm:1");
  tf::Session s(g);
  const auto r = s.run(std::vector<tf::Tensor>{composite, fused.y});
  for (int64_t i = 0; i < r[0].size(); ++i) EXPECT_NEAR(r[0].get_flat(i), r[1].get_flat(i), 1e-5) << i;
}

TEST(BatchNormOps, GraphConstructionErrorsUseTFWording) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x3 = tf::placeholder(tf::float32, tf::TensorShape({2, 3, 4}));
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({2, 5, 5, 4}));
  const tf::Tensor c4 = tf::placeholder(tf::float32, tf::TensorShape({4}));
  const tf::Tensor c3 = tf::placeholder(tf::float32, tf::TensorShape({3}));
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::fused_batch_norm(x3, c4, c4); }),
            "Shape must be rank 4 but is rank 3 for 'FusedBatchNorm' (op: 'FusedBatchNorm') with input "
            "shapes: [2,3,4], [4], [4], [0], [0].");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::fused_batch_norm(x, c3, c3); }),
            "Dimensions must be equal, but are 4 and 3 for 'FusedBatchNorm_1' (op: 'FusedBatchNorm') with "
            "input shapes: [2,5,5,4], [3], [3], [0], [0].");
  // NCHW reads the channels at axis 1 (5 here).
  EXPECT_THROW(tf::nn::fused_batch_norm(x, c4, c4, {}, {}, 0.001, "NCHW"), keraspp::ValueError);
  EXPECT_THROW(tf::nn::fused_batch_norm(x, c4, c4, {}, {}, 0.001, "NWHC"), keraspp::ValueError);
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::fused_batch_norm(x, c4, c4, {}, {}, 0.001, "NHWC", false); }),
            "Both 'mean' and 'variance' must be a 1D tensor when is_training is False.");
  // Inference checks the population statistics' lengths too.
  EXPECT_THROW(tf::nn::fused_batch_norm(x, c4, c4, c3, c4, 0.001, "NHWC", false), keraspp::ValueError);
  // Epsilon below cuDNN's minimum is raised to it, as TF.
  const auto r = tf::nn::fused_batch_norm(x, c4, c4, {}, {}, 1e-7);
  EXPECT_DOUBLE_EQ(std::get<double>(r.y.op().attrs().at("epsilon")), 1.001e-5);
}

TEST(BatchNormOps, RunTimeChannelMismatchIsInvalidArgument) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32);
  const tf::Tensor scale = tf::placeholder(tf::float32);
  const auto r = tf::nn::fused_batch_norm(x, scale, scale);
  tf::Session s(g);
  const std::string m = message_of<tf::errors::InvalidArgumentError>(
      [&] { s.run(r.y, {{x, np::zeros({2, 2, 2, 3}, np::float32)}, {scale, np::zeros({4}, np::float32)}}); });
  EXPECT_NE(m.find("scale must have the same number of elements as the channels of x, got 4 and 3"),
            std::string::npos)
      << m;
}

// conv -> fused batch norm (training) -> relu -> dense, SGD on a fixed batch.
struct BatchNormNet {
  tf::Graph g;
  tf::Tensor loss, x, y;
  tf::Operation step;
  explicit BatchNormNet(const std::string& format) {
    auto guard = g.as_default();
    const bool nchw = format == "NCHW";
    x = tf::placeholder(tf::float32, tf::TensorShape(nchw ? Dims{-1, 2, 6, 6} : Dims{-1, 6, 6, 2}));
    y = tf::placeholder(tf::float32, tf::TensorShape({-1, 3}));
    tf::Variable k(tf::random_normal(Dims{3, 3, 2, 4}, {.stddev = 0.3, .seed = 7}), {.name = "k"});
    tf::Variable gamma(tf::constant(np::ones({4}, np::float32)), {.name = "gamma"});
    tf::Variable beta(tf::constant(np::zeros({4}, np::float32)), {.name = "beta"});
    tf::Variable d(tf::random_normal(Dims{6 * 6 * 4, 3}, {.stddev = 0.1, .seed = 8}), {.name = "d"});
    const tf::Tensor c = tf::nn::conv2d(x, k.value(), {1, 1, 1, 1}, "SAME", format);
    const tf::Tensor h = tf::nn::relu(tf::nn::fused_batch_norm(c, gamma.value(), beta.value(), {}, {}, 0.001,
                                                               format).y);
    const tf::Tensor logits = tf::matmul(tf::reshape(h, Dims{-1, 6 * 6 * 4}), d.value());
    loss = tf::reduce_mean(tf::nn::softmax_cross_entropy_with_logits(y, logits));
    step = tf::train::GradientDescentOptimizer(0.1).minimize(loss);
  }
  std::vector<double> train(int steps, int64_t batch, uint64_t* steady_allocations = nullptr, int threads = 0) {
    auto guard = g.as_default();
    tf::Session s(g, {.intra_op_parallelism_threads = threads});
    s.run(tf::global_variables_initializer());
    np::Array bx = np::Array::empty({batch, x.shape().dim(1), x.shape().dim(2), x.shape().dim(3)}, np::float32);
    np::Array by = np::zeros({batch, 3}, np::float32);
    for (int64_t i = 0; i < bx.size(); ++i) bx.set_flat(i, std::sin(0.37 * static_cast<double>(i)));
    for (int64_t i = 0; i < batch; ++i) by.set_flat(i * 3 + i % 3, 1);
    tf::FeedDict feeds{{x, bx}, {y, by}};
    std::vector<double> losses;
    uint64_t before = 0;
    for (int i = 0; i < steps; ++i) {
      if (i == 3) before = np::Storage::allocation_count();
      losses.push_back(s.run(std::vector<tf::Tensor>{loss}, feeds, {step})[0].item<double>());
    }
    if (steady_allocations) *steady_allocations = np::Storage::allocation_count() - before;
    return losses;
  }
};

TEST(BatchNormTraining, SteadyStateAllocatesNothingAndRepeatsBitForBit) {
  for (const std::string format : {"NHWC", "NCHW"}) {
    BatchNormNet net(format);
    uint64_t allocations = 1;
    const std::vector<double> first = net.train(15, 6, &allocations);
    EXPECT_EQ(allocations, 0u) << format;
    EXPECT_LT(first.back(), first.front()) << format;
    EXPECT_EQ(net.train(15, 6), first) << format;
  }
}

TEST(BatchNormTraining, LossesAreBitIdenticalAtAnyTeamSize) {
  for (int64_t batch : {6, 40}) {
    BatchNormNet net("NHWC");
    EXPECT_EQ(net.train(6, batch, nullptr, 1), net.train(6, batch, nullptr, 2)) << "batch " << batch;
  }
}

}  // namespace
