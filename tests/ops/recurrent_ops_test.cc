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

// float32 runs the steps' products on oneDNN (brgemm with the recurrent
// kernel packed once, or sgemm in fixed chunks) above the tiny sizes the
// conformance cases use; float64 runs plain loops. Both must compute the
// same forward and gradients, with a mask, go_backwards and recurrent
// dropout, for each cell.
struct CellRun {
  std::vector<np::Array> values;  // output, h, then d/dx, d/dkernel, d/drecurrent_kernel, d/dbias
};

CellRun run_cell(const std::string& cell, np::DType dt, bool with_dx = true) {
  constexpr int64_t B = 8, T = 5, I = 24, U = 72;  // each step's products above the tiny sizes
  const int64_t G = cell == "lstm" ? 4 : cell == "gru" ? 3 : 1;
  tf::Graph g;
  auto guard = g.as_default();
  auto data = [&](Dims d, double scale, double phase) {
    np::Array a = np::Array::empty(d, np::float64);
    for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, scale * std::sin(0.73 * static_cast<double>(i) + phase));
    return tf::constant(a.astype(dt));
  };
  const tf::Tensor x = data({B, T, I}, 0.5, 0), h0 = data({B, U}, 0.3, 1), c0 = data({B, U}, 0.3, 2);
  const tf::Tensor k = data({I, G * U}, 0.2, 3), r = data({U, G * U}, 0.2, 4), bias = data({G * U}, 0.1, 5);
  np::Array mask = np::ones({B, T}, np::float64), rdp = np::ones({B, U}, np::float64);
  for (int64_t b = 0; b < B; b += 3) mask.set_flat(b * T + 1, 0);
  for (int64_t i = 0; i < B * U; i += 7) rdp.set_flat(i, 0);
  const tf::KerasRecurrentOptions o{.recurrent_activation = "sigmoid", .go_backwards = true,
                                    .mask = tf::constant(mask.astype(dt)),
                                    .recurrent_dropout_mask = tf::constant(rdp.astype(dt))};
  const tf::KerasRecurrentOutputs out = cell == "lstm" ? tf::keras_lstm(x, h0, c0, k, r, bias, o)
                                        : cell == "gru" ? tf::keras_gru(x, h0, k, r, bias, o)
                                                        : tf::keras_simple_rnn(x, h0, k, r, bias, o);
  const tf::Tensor loss = tf::reduce_sum(tf::square(out.output)) + tf::reduce_sum(out.h * data({B, U}, 1, 6));
  std::vector<tf::Tensor> fetch = {out.output, out.h};
  const std::vector<tf::Tensor> wrt = with_dx ? std::vector<tf::Tensor>{x, k, r, bias}
                                             : std::vector<tf::Tensor>{k, r, bias};
  for (const tf::Tensor& d : tf::gradients(loss, wrt)) fetch.push_back(d);
  tf::Session s(g);
  CellRun run;
  for (const np::Array& a : s.run(fetch)) run.values.push_back(a.astype(np::float64));
  return run;
}

TEST(RecurrentOps, Float32OneDNNPathsMatchFloat64Loops) {
  for (const std::string cell : {"lstm", "gru", "simple_rnn"}) {
    const CellRun f32 = run_cell(cell, np::float32), f64 = run_cell(cell, np::float64);
    ASSERT_EQ(f32.values.size(), f64.values.size());
    for (size_t v = 0; v < f32.values.size(); ++v) {
      const np::Array &a = f32.values[v], &b = f64.values[v];
      ASSERT_EQ(a.shape(), b.shape()) << cell << " value " << v;
      double worst = 0, scale = 0;
      for (int64_t i = 0; i < a.size(); ++i) {
        worst = std::max(worst, std::abs(a.get_flat(i) - b.get_flat(i)));
        scale = std::max(scale, std::abs(b.get_flat(i)));
      }
      EXPECT_LT(worst, 2e-5 * (1 + scale)) << cell << " value " << v << " (scale " << scale << ")";
      EXPECT_GT(scale, 0) << cell << " value " << v;
    }
  }
}

// A first layer's input gradient is read by nothing, so its kernel skips
// it; the weight gradients stay bit-identical to a run that reads dx.
TEST(RecurrentOps, WeightGradientsAreTheSameWhenNothingReadsTheInputGradient) {
  for (const std::string cell : {"lstm", "gru", "simple_rnn"}) {
    const CellRun with = run_cell(cell, np::float32, true), without = run_cell(cell, np::float32, false);
    ASSERT_EQ(with.values.size(), without.values.size() + 1) << cell;
    for (size_t v = 0; v < without.values.size(); ++v) {
      const np::Array& a = without.values[v];
      const np::Array& b = with.values[v < 2 ? v : v + 1];  // `with` has d/dx at 2
      ASSERT_EQ(a.shape(), b.shape()) << cell << " value " << v;
      for (int64_t i = 0; i < a.size(); ++i) ASSERT_EQ(a.get_flat(i), b.get_flat(i)) << cell << " value " << v;
    }
  }
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
