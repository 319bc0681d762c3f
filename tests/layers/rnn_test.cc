// tf::nn::dynamic_rnn, static_rnn and bidirectional_dynamic_rnn with TF
// 1.1's cells: variable names, agreement of the loop with the unrolled
// graph (values and gradients), sequence_length, and a plain reference.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/layers/rnn.h"
#include "keraspp/tf.h"
#include "support/expect_error.h"

namespace {

using V = std::vector<tf::Tensor>;

np::Array values(np::Shape shape, double scale) {
  np::Array a = np::Array::empty(shape, np::float64);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, scale * std::sin(0.61 * static_cast<double>(i) + 0.2));
  return a;
}

std::vector<std::string> names(const tf::nn::RNNCell& cell) {
  std::vector<std::string> out;
  for (const tf::Variable& v : cell.variables()) out.push_back(v.name());
  return out;
}

TEST(DynamicRnn, VariablesHaveTf11Names) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 4, 3}));
  tf::nn::BasicLSTMCell lstm(5);
  tf::nn::dynamic_rnn(lstm, x, {.dtype = tf::float32});
  EXPECT_EQ(names(lstm), (std::vector<std::string>{"rnn/basic_lstm_cell/weights:0", "rnn/basic_lstm_cell/biases:0"}));
  EXPECT_EQ(lstm.variables()[0].value().shape(), tf::TensorShape({8, 20}));
  tf::nn::GRUCell gru(2);
  tf::nn::dynamic_rnn(gru, x, {.dtype = tf::float32, .scope = "enc"});
  EXPECT_EQ(names(gru), (std::vector<std::string>{"enc/gru_cell/gates/weights:0", "enc/gru_cell/gates/biases:0",
                                                  "enc/gru_cell/candidate/weights:0", "enc/gru_cell/candidate/biases:0"}));
  tf::nn::MultiRNNCell multi({std::make_shared<tf::nn::BasicRNNCell>(3), std::make_shared<tf::nn::LSTMCell>(2)});
  tf::nn::dynamic_rnn(multi, x, {.dtype = tf::float32, .scope = "deep"});
  EXPECT_EQ(names(multi), (std::vector<std::string>{
                              "deep/multi_rnn_cell/cell_0/basic_rnn_cell/weights:0",
                              "deep/multi_rnn_cell/cell_0/basic_rnn_cell/biases:0",
                              "deep/multi_rnn_cell/cell_1/lstm_cell/weights:0",
                              "deep/multi_rnn_cell/cell_1/lstm_cell/biases:0"}));
}

// The loop and the unrolled graph of one cell (shared variables) agree in
// outputs, final state and the weights' gradients.
void expect_loop_matches_unrolled(tf::nn::RNNCell& cell, bool with_lengths) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({2, 5, 3}));
  const tf::Tensor lengths = tf::placeholder(tf::int32, tf::TensorShape({2}));
  tf::nn::DynamicRnnOptions o{.dtype = tf::float64};
  if (with_lengths) o.sequence_length = lengths;
  const auto [outputs, state] = tf::nn::dynamic_rnn(cell, x, o);
  const auto [steps, static_state] = tf::nn::static_rnn(cell, tf::unstack(x, 5, 1), o);
  const tf::Tensor unrolled = tf::stack(steps, 1);
  std::vector<tf::Tensor> weights;
  for (const tf::Variable& v : cell.variables()) weights.push_back(v.value());
  const V g_loop = tf::gradients(tf::reduce_sum(outputs * outputs) + tf::reduce_sum(state.back()), weights);
  const V g_unrolled = tf::gradients(tf::reduce_sum(unrolled * unrolled) + tf::reduce_sum(static_state.back()), weights);
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  np::Array len = np::Array::from_vector(std::vector<int32_t>{5, 2}, {2});
  const tf::FeedDict feeds{{x, values({2, 5, 3}, 1.0)}, {lengths, len}};
  V fetch_a{outputs, state.back()}, fetch_b{unrolled, static_state.back()};
  fetch_a.insert(fetch_a.end(), g_loop.begin(), g_loop.end());
  fetch_b.insert(fetch_b.end(), g_unrolled.begin(), g_unrolled.end());
  const auto a = s.run(fetch_a, feeds), b = s.run(fetch_b, feeds);
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].shape(), b[k].shape()) << k;
    for (int64_t i = 0; i < a[k].size(); ++i) EXPECT_NEAR(a[k].get_flat(i), b[k].get_flat(i), 1e-12) << k << " " << i;
  }
  if (with_lengths) EXPECT_EQ(a[0].at<double>(1, 3, 0), 0.0);  // past sequence 1's length
}

TEST(DynamicRnn, LoopMatchesStaticRnnForEveryCell) {
  tf::nn::BasicRNNCell rnn(4);
  expect_loop_matches_unrolled(rnn, false);
  tf::nn::BasicLSTMCell lstm(3);
  expect_loop_matches_unrolled(lstm, true);
  tf::nn::GRUCell gru(3);
  expect_loop_matches_unrolled(gru, true);
  tf::nn::LSTMCell peephole(3, {.use_peepholes = true, .num_proj = 2});
  expect_loop_matches_unrolled(peephole, false);
}

TEST(DynamicRnn, BasicRnnCellFollowsItsRecurrence) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({1, 3, 2}));
  tf::nn::BasicRNNCell cell(2);
  const auto [outputs, state] = tf::nn::dynamic_rnn(cell, x, {.dtype = tf::float64});
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  const np::Array xv = values({1, 3, 2}, 1.0);
  const auto r = s.run({outputs, cell.variables()[0].value(), cell.variables()[1].value()}, {{x, xv}});
  std::vector<double> h(2, 0.0);
  for (int64_t t = 0; t < 3; ++t) {
    std::vector<double> next(2);
    for (int64_t j = 0; j < 2; ++j) {
      double z = r[2].get_flat(j);
      for (int64_t i = 0; i < 2; ++i) z += xv.at<double>(0, t, i) * r[1].at<double>(i, j);
      for (int64_t i = 0; i < 2; ++i) z += h[static_cast<size_t>(i)] * r[1].at<double>(2 + i, j);
      next[static_cast<size_t>(j)] = std::tanh(z);
    }
    h = next;
    for (int64_t j = 0; j < 2; ++j) EXPECT_NEAR(r[0].at<double>(0, t, j), h[static_cast<size_t>(j)], 1e-14);
  }
}

TEST(BidirectionalDynamicRnn, RunsBothDirections) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 6, 3}));
  tf::nn::BasicLSTMCell fw(4), bw(5);
  const auto [outputs, states] = tf::nn::bidirectional_dynamic_rnn(fw, bw, x, {.dtype = tf::float32});
  EXPECT_EQ(names(fw)[0], "bidirectional_rnn/fw/basic_lstm_cell/weights:0");
  EXPECT_EQ(names(bw)[0], "bidirectional_rnn/bw/basic_lstm_cell/weights:0");
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  np::Array xv = np::Array::empty({2, 6, 3}, np::float32);
  for (int64_t i = 0; i < xv.size(); ++i) xv.set_flat(i, std::cos(0.3 * static_cast<double>(i)));
  const auto r = s.run({outputs.first, outputs.second, states.second[1]}, {{x, xv}});
  EXPECT_EQ(r[0].shape(), (np::Shape{2, 6, 4}));
  EXPECT_EQ(r[1].shape(), (np::Shape{2, 6, 5}));
  // The backward pass ends at time 0: its final h is its output there.
  for (int64_t j = 0; j < 5; ++j) EXPECT_EQ(r[2].at<float>(1, j), r[1].at<float>(1, 0, j));
}

TEST(DynamicRnn, BadInputIsAnError) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::nn::BasicRNNCell cell(2);
  EXPECT_EQ(kpp_test::message_of<keraspp::ValueError>([&] {
              tf::nn::dynamic_rnn(cell, tf::placeholder(tf::float32, tf::TensorShape({4, 3})), {.dtype = tf::float32});
            }),
            "dynamic_rnn expects inputs of rank 3, got shape (4, 3)");
  EXPECT_EQ(kpp_test::message_of<keraspp::ValueError>([&] {
              tf::nn::dynamic_rnn(cell, tf::placeholder(tf::float32, tf::TensorShape({4, 2, 3})));
            }),
            "If there is no initial_state, you must give a dtype.");
}

}  // namespace
