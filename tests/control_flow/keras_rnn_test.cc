// K::rnn (Keras 2.0.x's TF backend): the while_loop form against the
// unrolled form and a plain reference, with go_backwards, masks, constants
// and gradients; TF-backend errors for bad input.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/keras.h"
#include "keraspp/tf.h"
#include "support/expect_error.h"

namespace {

namespace K = keras::backend;
using V = std::vector<tf::Tensor>;
using kpp_test::message_of;

np::Array values(np::Shape shape, double scale, double phase) {
  np::Array a = np::Array::empty(shape, np::float64);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, scale * std::sin(0.37 * static_cast<double>(i) + phase));
  return a;
}

// A SimpleRNN step: h = tanh(x W + h U + c), with c a constant.
struct Rnn {
  tf::Graph g;
  tf::Tensor x, w, u, mask;
  Rnn() {
    auto guard = g.as_default();
    x = tf::placeholder(tf::float64, tf::TensorShape({-1, 5, 3}));
    w = tf::placeholder(tf::float64, tf::TensorShape({3, 4}));
    u = tf::placeholder(tf::float64, tf::TensorShape({4, 4}));
    mask = tf::placeholder(tf::bool_, tf::TensorShape({-1, 5}));
  }
  std::tuple<tf::Tensor, tf::Tensor, V> build(K::RnnOptions o) {
    auto guard = g.as_default();
    const tf::Tensor c = tf::constant(values({4}, 0.1, 2.0));
    o.constants = {c};
    const K::StepFunction step = [&](const tf::Tensor& in, const V& states) {
      const tf::Tensor h = tf::tanh(tf::matmul(in, w) + tf::matmul(states[0], u) + states[1]);
      return std::pair<tf::Tensor, V>{h, V{h}};
    };
    const tf::Tensor h0 = tf::zeros_like(tf::matmul(tf::reduce_sum(x, std::vector<int>{1}), w));
    return K::rnn(step, x, {h0}, o);
  }
  tf::FeedDict feeds() const {
    np::Array m = np::Array::empty({2, 5}, np::bool_);
    for (int64_t i = 0; i < 10; ++i) m.set_flat(i, i == 3 || i == 7 ? 0 : 1);
    return {{x, values({2, 5, 3}, 1.0, 0.0)}, {w, values({3, 4}, 0.5, 1.0)}, {u, values({4, 4}, 0.4, 0.5)}, {mask, m}};
  }
};

void expect_near(const np::Array& a, const np::Array& b, double tol) {
  ASSERT_EQ(a.shape(), b.shape());
  for (int64_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a.get_flat(i), b.get_flat(i), tol) << "element " << i;
}

TEST(KerasRnn, WhileLoopMatchesUnrolledWithMasksAndGoBackwards) {
  for (bool backwards : {false, true})
    for (bool masked : {false, true}) {
      Rnn r;
      const auto looped = r.build({.go_backwards = backwards, .mask = masked ? r.mask : tf::Tensor()});
      const auto unrolled = r.build({.go_backwards = backwards, .mask = masked ? r.mask : tf::Tensor(), .unroll = true});
      tf::Tensor gl, gu;
      {
        auto guard = r.g.as_default();
        gl = tf::gradients(tf::reduce_sum(std::get<1>(looped) * std::get<1>(looped)), {r.u})[0];
        gu = tf::gradients(tf::reduce_sum(std::get<1>(unrolled) * std::get<1>(unrolled)), {r.u})[0];
      }
      EXPECT_EQ(std::get<1>(looped).shape().str(), "(?, 5, 4)");
      tf::Session s(r.g);
      const auto a = s.run({std::get<0>(looped), std::get<1>(looped), std::get<2>(looped)[0], gl}, r.feeds());
      const auto b = s.run({std::get<0>(unrolled), std::get<1>(unrolled), std::get<2>(unrolled)[0], gu}, r.feeds());
      for (size_t k = 0; k < a.size(); ++k) expect_near(a[k], b[k], 1e-13);
    }
}

TEST(KerasRnn, OutputsFollowTheRecurrence) {
  Rnn r;
  const auto [last, outputs, states] = r.build({});
  tf::Session s(r.g);
  const tf::FeedDict f = r.feeds();
  const auto got = s.run({last, outputs}, f);
  const np::Array &x = f[0].second.value, &w = f[1].second.value, &u = f[2].second.value;
  const np::Array c = values({4}, 0.1, 2.0);
  for (int64_t b = 0; b < 2; ++b) {
    std::vector<double> h(4, 0.0);
    for (int64_t t = 0; t < 5; ++t) {
      std::vector<double> next(4);
      for (int64_t j = 0; j < 4; ++j) {
        double z = c.get_flat(j);
        for (int64_t i = 0; i < 3; ++i) z += x.at<double>(b, t, i) * w.at<double>(i, j);
        for (int64_t i = 0; i < 4; ++i) z += h[static_cast<size_t>(i)] * u.at<double>(i, j);
        next[static_cast<size_t>(j)] = std::tanh(z);
      }
      h = next;
      for (int64_t j = 0; j < 4; ++j) EXPECT_NEAR(got[1].at<double>(b, t, j), h[static_cast<size_t>(j)], 1e-14);
    }
    for (int64_t j = 0; j < 4; ++j) EXPECT_NEAR(got[0].at<double>(b, j), h[static_cast<size_t>(j)], 1e-14);
  }
}

TEST(KerasRnn, BadInputIsKerasError) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x2 = tf::placeholder(tf::float32, tf::TensorShape({-1, 3}));
  const K::StepFunction step = [](const tf::Tensor& in, const V& s) { return std::pair<tf::Tensor, V>{in, s}; };
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { K::rnn(step, x2, {}); }), "Input should be at least 3D.");
  const tf::Tensor x3 = tf::placeholder(tf::float32, tf::TensorShape({2, -1, 3}));
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { K::rnn(step, x3, {}, {.unroll = true}); }),
            "Unrolling requires a fixed number of timesteps.");
}

}  // namespace
