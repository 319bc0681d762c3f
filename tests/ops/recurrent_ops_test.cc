// The fused recurrent ops in training: a steady state that allocates
// nothing, losses bit-identical across reruns and team sizes, and the
// kernels' errors for inputs the shape functions could not check.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/ops/keras_recurrent_ops.h"
#include "keraspp/tf.h"
#include "support/expect_error.h"

namespace {

using Dims = std::vector<int64_t>;
using kpp_test::message_of;

// LSTM -> GRU over [B, T, I], a masked last step, recurrent dropout masks,
// SGD on every weight. Sizes put each step's elementwise loops above the
// parallel grain, so the team size matters to how they are split.
struct SmallRecurrentNet {
  static constexpr int64_t B = 32, T = 6, I = 48, U = 320, V = 16;
  tf::Graph g;
  tf::Tensor loss, x;
  tf::Operation step;
  SmallRecurrentNet() {
    auto guard = g.as_default();
    x = tf::placeholder(tf::float32, tf::TensorShape({B, T, I}));
    auto w = [](Dims d, int seed) { return tf::Variable(tf::random_normal(d, {.stddev = 0.1, .seed = seed})); };
    tf::Variable k1 = w({I, 4 * U}, 1), r1 = w({U, 4 * U}, 2), b1 = w({4 * U}, 3);
    tf::Variable k2 = w({U, 3 * V}, 4), r2 = w({V, 3 * V}, 5), b2 = w({3 * V}, 6);
    np::Array mask = np::ones({B, T}, np::float32), rdp = np::ones({B, U}, np::float32);
    for (int64_t b = 0; b < B; b += 3) mask.set_flat(b * T + T - 1, 0);
    for (int64_t i = 0; i < B * U; i += 5) rdp.set_flat(i, 0);
    const tf::Tensor zeros_u = tf::constant(np::zeros({B, U}, np::float32));
    const auto l1 = tf::keras_lstm(x, zeros_u, zeros_u, k1.value(), r1.value(), b1.value(),
                                   {.mask = tf::constant(mask), .recurrent_dropout_mask = tf::constant(rdp)});
    const auto l2 = tf::keras_gru(l1.output, tf::constant(np::zeros({B, V}, np::float32)), k2.value(), r2.value(),
                                  b2.value(), {.go_backwards = true});
    loss = tf::reduce_mean(tf::square(l2.output)) + tf::reduce_mean(l1.c);
    step = tf::train::GradientDescentOptimizer(0.5).minimize(loss);
  }
  std::vector<double> train(int steps, uint64_t* steady_allocations = nullptr, int threads = 0) {
    auto guard = g.as_default();
    tf::Session s(g, {.intra_op_parallelism_threads = threads});
    s.run(tf::global_variables_initializer());
    np::Array bx = np::Array::empty({B, T, I}, np::float32);
    for (int64_t i = 0; i < bx.size(); ++i) bx.set_flat(i, std::sin(0.37 * static_cast<double>(i)));
    std::vector<double> losses;
    uint64_t before = 0;
    for (int i = 0; i < steps; ++i) {
      if (i == 3) before = np::Storage::allocation_count();
      losses.push_back(s.run(std::vector<tf::Tensor>{loss}, {{x, bx}}, {step})[0].item<double>());
    }
    if (steady_allocations) *steady_allocations = np::Storage::allocation_count() - before;
    return losses;
  }
};

TEST(RecurrentTraining, SteadyStateAllocatesNothingAndRepeatsBitForBit) {
  SmallRecurrentNet net;
  uint64_t allocations = 1;
  const std::vector<double> first = net.train(12, &allocations);
  EXPECT_EQ(allocations, 0u);
  EXPECT_LT(first.back(), first.front());
  EXPECT_EQ(net.train(12), first);
}

TEST(RecurrentTraining, LossesAreBitIdenticalAtAnyTeamSize) {
  SmallRecurrentNet net;
  const std::vector<double> one = net.train(6, nullptr, 1);
  EXPECT_EQ(net.train(6, nullptr, 2), one);
  EXPECT_EQ(net.train(6, nullptr, 3), one);
}

TEST(RecurrentOps, ShapeAndRuntimeErrorsNameTheOp) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x2 = tf::placeholder(tf::float32, tf::TensorShape({4, 3}));
  const tf::Tensor h = tf::constant(np::zeros({4, 2}, np::float32));
  const tf::Tensor k = tf::constant(np::zeros({3, 8}, np::float32)), r = tf::constant(np::zeros({2, 8}, np::float32));
  // Rank-2 input: the shape function's error, as TF raises it while building.
  const std::string rank = message_of<keraspp::ValueError>([&] { tf::keras_lstm(x2, h, h, k, r, tf::Tensor()); });
  EXPECT_NE(rank.find("Shape must be rank 3 but is rank 2"), std::string::npos) << rank;
  // A kernel of the wrong width.
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, -1, 3}));
  const std::string width = message_of<keraspp::ValueError>(
      [&] { tf::keras_gru(x, h, k, tf::constant(np::zeros({2, 6}, np::float32)), tf::Tensor()); });
  EXPECT_NE(width.find("kernel columns vs gates * units"), std::string::npos) << width;
  // A mask of the wrong shape is only seen at run time.
  const tf::Tensor m = tf::placeholder(tf::float32);
  const auto out = tf::keras_simple_rnn(x, h, tf::constant(np::zeros({3, 2}, np::float32)), tf::constant(np::zeros({2, 2}, np::float32)), tf::Tensor(), {.mask = m});
  tf::Session s(g);
  const std::string mask = message_of<tf::errors::InvalidArgumentError>(
      [&] { s.run(out.output, {{x, np::zeros({4, 5, 3}, np::float32)}, {m, np::ones({4, 4}, np::float32)}}); });
  EXPECT_EQ(mask, "mask must have shape (4, 5) (or [0] for none), got (4, 4) for 'KerasSimpleRNN' (op: 'KerasSimpleRNN')");
}

}  // namespace
