// tf::nn conv / pool beyond the conformance cases: TF's graph-construction
// errors, default names, conv1d, and a small CNN whose training steps
// allocate nothing in steady state and repeat bit for bit.
#include "support/expect_error.h"
#include <cmath>
#include <gtest/gtest.h>

#include "keraspp/np/philox.h"
#include "keraspp/ops/transpose_ops.h"
#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;
using Dims = std::vector<int64_t>;

class ConvOps : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard = g.as_default();
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 5, 5, 3}), "x");
  tf::Tensor w = tf::placeholder(tf::float32, tf::TensorShape({3, 3, 3, 8}), "w");
};

TEST_F(ConvOps, ShapesAndNames) {
  const tf::Tensor y = tf::nn::conv2d(x, w, {1, 2, 2, 1}, "SAME");
  EXPECT_EQ(y.name(), "Conv2D:0");
  EXPECT_EQ(y.shape(), tf::TensorShape({-1, 3, 3, 8}));
  EXPECT_EQ(tf::nn::conv2d(x, w, {1, 1, 1, 1}, "VALID").shape(), tf::TensorShape({-1, 3, 3, 8}));
  EXPECT_EQ(tf::nn::conv2d(x, w, {1, 1, 1, 1}, "SAME", "NHWC", {1, 2, 2, 1}).shape(),
            tf::TensorShape({-1, 5, 5, 8}));
  const tf::Tensor p = tf::nn::max_pool(y, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
  EXPECT_EQ(p.name(), "MaxPool:0");
  EXPECT_EQ(p.shape(), tf::TensorShape({-1, 1, 1, 8}));
  EXPECT_EQ(tf::nn::avg_pool(y, {1, 2, 2, 1}, {1, 2, 2, 1}, "SAME").shape(), tf::TensorShape({-1, 2, 2, 8}));
  const tf::Tensor nchw = tf::placeholder(tf::float32, tf::TensorShape({2, 3, 7, 6}));
  EXPECT_EQ(tf::nn::conv2d(nchw, w, {1, 1, 2, 2}, "SAME", "NCHW").shape(), tf::TensorShape({2, 8, 4, 3}));
  const tf::Tensor seq = tf::placeholder(tf::float32, tf::TensorShape({-1, 10, 4}));
  const tf::Tensor f1 = tf::placeholder(tf::float32, tf::TensorShape({3, 4, 6}));
  EXPECT_EQ(tf::nn::conv1d(seq, f1, 2, "SAME").shape(), tf::TensorShape({-1, 5, 6}));
  // The conv2d's gradients are TF's backprop ops.
  auto grads = tf::gradients(tf::reduce_sum(y), {x, w});
  EXPECT_EQ(grads[0].op().type(), "Conv2DBackpropInput");
  EXPECT_EQ(grads[1].op().type(), "Conv2DBackpropFilter");
  EXPECT_EQ(grads[1].shape(), tf::TensorShape({3, 3, 3, 8}));
}

TEST_F(ConvOps, GraphConstructionErrorsUseTFWording) {
  const tf::Tensor small = tf::placeholder(tf::float32, tf::TensorShape({1, 2, 2, 3}));
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::conv2d(small, w, {1, 1, 1, 1}, "VALID"); }),
            "Negative dimension size caused by subtracting 3 from 2 for 'Conv2D' (op: 'Conv2D') with input "
            "shapes: [1,2,2,3], [3,3,3,8].");
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::conv2d(x, w, {1, 0, 1, 1}, "SAME"); })
                .find("stride must be > 0, but got 0 for 'Conv2D_1'"),
            std::string::npos);
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::conv2d(x, w, {2, 1, 1, 1}, "SAME"); })
                .find("Current implementation does not yet support strides in the batch and depth dimensions."),
            std::string::npos);
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::conv2d(x, w, {1, 1, 1}, "SAME"); })
                .find("Conv2D requires the stride attribute to contain 4 values, but got: 3"),
            std::string::npos);
  const tf::Tensor w4 = tf::placeholder(tf::float32, tf::TensorShape({3, 3, 4, 8}));
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::conv2d(x, w4, {1, 1, 1, 1}, "SAME"); })
                .find("Dimensions must be equal, but are 3 and 4 for 'Conv2D"),
            std::string::npos);
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::conv2d(x, w, {1, 1, 1, 1}, "SAME", "NWHC"); }),
            "Attr 'data_format' of 'Conv2D' Op passed string 'NWHC' not in: \"NHWC\", \"NCHW\".");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::conv2d(x, w, {1, 1, 1, 1}, "FULL"); }),
            "Attr 'padding' of 'Conv2D' Op passed string 'FULL' not in: \"SAME\", \"VALID\".");
  const tf::Tensor rank3 = tf::placeholder(tf::float32, tf::TensorShape({5, 5, 3}));
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::conv2d(rank3, w, {1, 1, 1, 1}, "SAME"); })
                .find("Shape must be rank 4 but is rank 3 for 'Conv2D"),
            std::string::npos);
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::max_pool(x, {2, 2, 2, 1}, {1, 1, 1, 1}, "SAME"); })
                .find("Pooling is not yet supported on the batch nor depth dimension. for 'MaxPool'"),
            std::string::npos);
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::avg_pool(small, {1, 3, 3, 1}, {1, 1, 1, 1}, "VALID"); })
                .find("Negative dimension size caused by subtracting 3 from 2 for 'AvgPool'"),
            std::string::npos);
}

// Shapes unknown at construction are checked by the kernels, with TF's
// InvalidArgument texts naming the op.
TEST(ConvRuntime, KernelsCheckShapesKnownOnlyAtRunTime) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, -1, -1, -1}));
  const tf::Tensor w = tf::constant(np::ones({3, 3, 3, 2}, np::float32));
  const tf::Tensor y = tf::nn::conv2d(x, w, {1, 1, 1, 1}, "VALID");
  const tf::Tensor p = tf::nn::max_pool(x, {1, 3, 3, 1}, {1, 1, 1, 1}, "VALID");
  tf::Session s(g);
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>(
                [&] { s.run(y, {{x, np::zeros({1, 2, 2, 3}, np::float32)}}); }),
            "Negative dimension size caused by subtracting 3 from 2 for 'Conv2D'");
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>(
                [&] { s.run(y, {{x, np::zeros({1, 4, 4, 2}, np::float32)}}); }),
            "input and filter must have the same depth: 2 vs 3 for 'Conv2D'");
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>(
                [&] { s.run(p, {{x, np::zeros({1, 2, 5, 1}, np::float32)}}); }),
            "Negative dimension size caused by subtracting 3 from 2 for 'MaxPool'");
  EXPECT_EQ(s.run(y, {{x, np::ones({2, 4, 5, 3}, np::float32)}}).shape(), np::Shape({2, 2, 3, 2}));
}

// conv -> bias -> relu -> max_pool -> avg_pool -> dense, SGD on a fixed batch.
struct SmallCnn {
  int64_t kBatch;
  tf::Graph g;
  tf::Tensor loss;
  tf::Operation step;
  tf::Tensor x, y;
  explicit SmallCnn(int64_t batch = 6) : kBatch(batch) {
    auto guard = g.as_default();
    x = tf::placeholder(tf::float32, tf::TensorShape({-1, 8, 8, 2}));
    y = tf::placeholder(tf::float32, tf::TensorShape({-1, 3}));
    tf::Variable k(tf::random_normal(Dims{3, 3, 2, 4}, {.stddev = 0.3, .seed = 7}), {.name = "k"});
    tf::Variable b(tf::constant(np::zeros({4})), {.name = "b"});
    tf::Variable d(tf::random_normal(Dims{2 * 2 * 4, 3}, {.stddev = 0.3, .seed = 8}), {.name = "d"});
    tf::Tensor h = tf::nn::relu(tf::nn::bias_add(tf::nn::conv2d(x, k.value(), {1, 1, 1, 1}, "SAME"), b.value()));
    h = tf::nn::max_pool(h, {1, 2, 2, 1}, {1, 2, 2, 1}, "VALID");
    h = tf::nn::avg_pool(h, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME");
    const tf::Tensor logits = tf::matmul(tf::reshape(h, Dims{-1, 2 * 2 * 4}), d.value());
    loss = tf::reduce_mean(tf::nn::softmax_cross_entropy_with_logits(y, logits));
    step = tf::train::GradientDescentOptimizer(0.1).minimize(loss);
  }
  // The losses of `steps` steps from a fresh session.
  std::vector<double> train(int steps, uint64_t* steady_allocations = nullptr, int threads = 0) {
    auto guard = g.as_default();
    tf::Session s(g, {.intra_op_parallelism_threads = threads});
    s.run(tf::global_variables_initializer());
    np::Array bx = np::Array::empty({kBatch, 8, 8, 2}, np::float32), by = np::zeros({kBatch, 3}, np::float32);
    for (int64_t i = 0; i < bx.size(); ++i) bx.set_flat(i, std::sin(0.37 * static_cast<double>(i)));
    for (int64_t i = 0; i < kBatch; ++i) by.set_flat(i * 3 + i % 3, 1);
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

TEST(ConvTraining, SteadyStateAllocatesNothingAndRepeatsBitForBit) {
  SmallCnn cnn;
  uint64_t allocations = 1;
  const std::vector<double> first = cnn.train(20, &allocations);
  EXPECT_EQ(allocations, 0u);
  EXPECT_LT(first.back(), first.front());
  EXPECT_EQ(cnn.train(20), first);
}

// The thread governor changes the team between runs (thread_governor.h):
// a CNN's training must not depend on the team size.
// (oneDNN's own backward-weights reduction differed in the last bits between
// teams of 1 and 2 at batch 6.) Batch 40 sums 14 chunks of 3 images.
TEST(ConvTraining, LossesAreBitIdenticalAtAnyTeamSize) {
  for (int64_t batch : {6, 40}) {
    SmallCnn cnn(batch);
    EXPECT_EQ(cnn.train(8, nullptr, 1), cnn.train(8, nullptr, 2)) << "batch " << batch;
  }
}

// MaxPoolGrad's NHWC path (window positions outer, blocks of 64 channels
// inner) routes each gradient as the generic NCHW walk does: ties (to the
// window's first maximum), SAME padding and more channels than one block.
TEST(PoolGrad, NhwcRoutesAsNchwAcrossChannelBlocks) {
  tf::Graph g;
  auto guard = g.as_default();
  np::Array xv = np::Array::empty({2, 7, 6, 70}, np::float32), dyv = np::Array::empty({2, 4, 3, 70}, np::float32);
  for (int64_t i = 0; i < xv.size(); ++i) xv.set_flat(i, std::floor(3 * std::sin(0.7 * static_cast<double>(i))));
  for (int64_t i = 0; i < dyv.size(); ++i) dyv.set_flat(i, 0.25 * static_cast<double>(i % 7) - 0.5);
  const tf::Tensor x = tf::constant(xv), dy = tf::constant(dyv);
  const tf::Tensor y = tf::nn::max_pool(x, {1, 3, 3, 1}, {1, 2, 2, 1}, "SAME");
  const tf::Tensor dx = tf::gradients(tf::reduce_sum(y * dy), {x})[0];
  const tf::Tensor xt = tf::transpose(x, {0, 3, 1, 2});
  const tf::Tensor yt = tf::nn::max_pool(xt, {1, 1, 3, 3}, {1, 1, 2, 2}, "SAME", "NCHW");
  const tf::Tensor dxt = tf::gradients(tf::reduce_sum(yt * tf::transpose(dy, {0, 3, 1, 2})), {xt})[0];
  tf::Session s(g);
  const auto r = s.run(std::vector<tf::Tensor>{dx, tf::transpose(dxt, {0, 2, 3, 1})});
  EXPECT_TRUE(np::array_equal(r[0], r[1]));
  EXPECT_GT(np::sum(np::abs(r[0])).item<double>(), 0.0);
}

}  // namespace
