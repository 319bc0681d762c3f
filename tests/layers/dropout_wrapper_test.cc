// tf::nn::rnn_cell::DropoutWrapper (TF 1.1): no scope of its own, no ops at
// keep probability 1, output dropout as mask / keep_prob of the wrapped
// cell's output, TF's argument errors, and gradients through dynamic_rnn's
// loop that use the masks the forward pass drew.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/layers/rnn.h"
#include "keraspp/tf.h"
#include "support/expect_error.h"

namespace {

using kpp_test::message_of;

np::Array values(np::Shape shape, double scale) {
  np::Array a = np::Array::empty(shape, np::float32);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, scale * std::sin(0.61 * static_cast<double>(i) + 0.2));
  return a;
}

TEST(DropoutWrapper, KeepsTheCellsNamesAndAddsNothingAtKeepOne) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({2, 3, 4}));
  auto cell = std::make_shared<tf::nn::BasicLSTMCell>(5);
  tf::nn::DropoutWrapper wrapped(cell);
  EXPECT_EQ(wrapped.output_size(), 5);
  EXPECT_EQ(wrapped.state_size(), (std::vector<int64_t>{5, 5}));
  const auto [y, state] = tf::nn::dynamic_rnn(wrapped, x, {.dtype = tf::float32});
  ASSERT_EQ(wrapped.variables().size(), 2u);
  EXPECT_EQ(wrapped.variables()[0].name(), "rnn/basic_lstm_cell/weights:0");
  // The same cell unwrapped (its variables reused) gives the same outputs.
  const auto [plain, plain_state] = tf::nn::dynamic_rnn(*cell, x, {.dtype = tf::float32, .scope = "rnn"});
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  const auto r = s.run({y, plain}, {{x, values({2, 3, 4}, 1.0)}});
  EXPECT_TRUE(np::array_equal(r[0], r[1]));
}

TEST(DropoutWrapper, OutputDropoutScalesKeptUnitsAndZeroesTheRest) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(4);
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({8, 5, 3}));
  auto cell = std::make_shared<tf::nn::GRUCell>(6);
  tf::nn::DropoutWrapper wrapped(cell, {.output_keep_prob = 0.5});
  const tf::Tensor y = tf::nn::dynamic_rnn(wrapped, x, {.dtype = tf::float32}).first;
  const tf::Tensor plain = tf::nn::dynamic_rnn(*cell, x, {.dtype = tf::float32, .scope = "rnn"}).first;
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  // Dropout is never applied to the state, so each output is 0 or twice the plain cell's.
  const auto r = s.run({y, plain}, {{x, values({8, 5, 3}, 1.0)}});
  int kept = 0;
  for (int64_t i = 0; i < r[0].size(); ++i) {
    const double v = r[0].get_flat(i), p = r[1].get_flat(i);
    EXPECT_TRUE(v == 0.0 || v == 2.0 * p) << i << ": " << v << " vs " << p;
    kept += v != 0.0;
  }
  EXPECT_GT(kept, static_cast<int>(r[0].size()) / 4);
  EXPECT_LT(kept, 3 * static_cast<int>(r[0].size()) / 4);
}

// A cell whose output is tanh of its dropped input (weights [I; 0], no
// bias): y = tanh(x * m / keep), so dy/dx = (1 - y^2) / keep where kept and 0
// where dropped -- the backward pass must see the forward's mask each step.
TEST(DropoutWrapper, GradientThroughTheLoopUsesTheForwardMasks) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(9);
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({3, 6, 4}));
  auto cell = std::make_shared<tf::nn::BasicRNNCell>(4);
  tf::nn::DropoutWrapper wrapped(cell, {.input_keep_prob = 0.5});
  const tf::Tensor y = tf::nn::dynamic_rnn(wrapped, x, {.dtype = tf::float32}).first;
  const tf::Tensor dx = tf::gradients(tf::reduce_sum(y), {x})[0];
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  np::Array w = np::zeros({8, 4}, np::float32);
  for (int64_t i = 0; i < 4; ++i) w.set_flat(i * 4 + i, 1.0);
  s.run(cell->variables()[0].assign(tf::constant(w)).op());
  np::Array xv = np::Array::empty({3, 6, 4}, np::float32);
  for (int64_t i = 0; i < xv.size(); ++i) xv.set_flat(i, 0.25);
  for (int run = 0; run < 2; ++run) {
    const auto r = s.run({y, dx}, {{x, xv}});
    int kept = 0;
    for (int64_t i = 0; i < r[0].size(); ++i) {
      const double v = r[0].get_flat(i);
      const double want = v == 0.0 ? 0.0 : (1.0 - v * v) * 2.0;
      EXPECT_NEAR(r[1].get_flat(i), want, 1e-6) << "run " << run << " element " << i;
      kept += v != 0.0;
    }
    EXPECT_GT(kept, 12);
    EXPECT_LT(kept, 60);
  }
}

TEST(DropoutWrapper, BadArgumentsAreTfErrors) {
  auto cell = std::make_shared<tf::nn::BasicRNNCell>(2);
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::nn::DropoutWrapper(cell, {.input_keep_prob = 1.5}); }),
            "Parameter input_keep_prob must be between 0 and 1: 1.500000");
  EXPECT_NE(message_of<keraspp::ValueError>([&] { tf::nn::DropoutWrapper(cell, {.output_keep_prob = -0.1}); })
                .find("output_keep_prob"),
            std::string::npos);
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { tf::nn::DropoutWrapper(nullptr); }),
            "The parameter cell is not a RNNCell.");
}

}  // namespace
