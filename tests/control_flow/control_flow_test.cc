// tf::cond, tf::case and tf::while_loop: results, only the branch taken
// running, gradients (analytic and finite differences through loops with a
// run-time trip count, nested loops), TF's errors, errors raised inside a
// body naming the loop and the op, concurrency and the allocation-free
// steady state.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "keraspp/tf.h"
#include "support/expect_error.h"

namespace {

using V = std::vector<tf::Tensor>;
using kpp_test::message_of;

np::Array vec(std::vector<double> v, np::DType t = np::float64) {
  np::Array a = np::Array::empty({static_cast<int64_t>(v.size())}, t);
  for (size_t i = 0; i < v.size(); ++i) a.set_flat(static_cast<int64_t>(i), v[i]);
  return a;
}
tf::Tensor int_scalar(int32_t v) { return tf::constant(np::Array::scalar(v)); }

TEST(Cond, RunsOnlyTheBranchTaken) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor pred = tf::placeholder(tf::bool_, tf::TensorShape::scalar());
  const tf::Tensor params = tf::constant(vec({1, 2, 3}));
  // The false branch gathers an index out of range: running it would fail.
  const tf::Tensor out = tf::cond(
      pred, [&] { return params * 2.0; }, [&] { return tf::gather(params, tf::constant(vec({7}, tf::int32))); });
  tf::Session s(g);
  const np::Array r = s.run(out, {{pred, true}});
  EXPECT_EQ(r.get_flat(2), 6.0);
  const std::string m = message_of<tf::errors::InvalidArgumentError>([&] { s.run(out, {{pred, false}}); });
  EXPECT_NE(m.find("indices[0] = 7 is not in [0, 3)"), std::string::npos) << m;
  EXPECT_NE(m.find("the false branch of cond 'cond'"), std::string::npos) << m;
}

TEST(Cond, ReturnsTuplesAndChecksTheBranchesAgree) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({3}));
  const V out = tf::cond(
      tf::greater(tf::reduce_sum(x), 0.0), [&] { return V{x + 1.0, tf::reduce_sum(x)}; },
      [&] { return V{x - 1.0, tf::reduce_max(x)}; });
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].shape(), tf::TensorShape({3}));
  tf::Session s(g);
  auto r = s.run(out, {{x, vec({1, 2, 3})}});
  EXPECT_EQ(r[0].get_flat(0), 2.0);
  EXPECT_EQ(r[1].item<double>(), 6.0);
  r = s.run(out, {{x, vec({-1, -2, -3})}});
  EXPECT_EQ(r[0].get_flat(0), -2.0);
  EXPECT_EQ(r[1].item<double>(), -1.0);

  EXPECT_EQ(message_of<keraspp::ValueError>([&] {
              tf::cond(tf::constant(np::Array::scalar(true)), [&] { return x; }, [&] { return tf::cast(x, tf::int32); });
            }),
            "Outputs of fn1 and fn2 must have the same type: float64, int32");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] {
              tf::cond(tf::constant(np::Array::scalar(true)), [&] { return V{x}; }, [&] { return V{x, x}; });
            }),
            "fn1 and fn2 must return the same number of results.");
}

TEST(Cond, GradientFlowsThroughTheBranchTaken) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor pred = tf::placeholder(tf::bool_, tf::TensorShape::scalar());
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({2}));
  const tf::Tensor y = tf::placeholder(tf::float64, tf::TensorShape({2}));
  const tf::Tensor out = tf::cond(pred, [&] { return x * x; }, [&] { return x * y * 3.0; });
  const V grads = tf::gradients(tf::reduce_sum(out), {x, y});
  tf::Session s(g);
  auto r = s.run(grads, {{pred, true}, {x, vec({1, 2})}, {y, vec({5, 7})}});
  EXPECT_EQ(r[0].get_flat(1), 4.0);
  EXPECT_EQ(r[1].get_flat(1), 0.0);
  r = s.run(grads, {{pred, false}, {x, vec({1, 2})}, {y, vec({5, 7})}});
  EXPECT_EQ(r[0].get_flat(1), 21.0);
  EXPECT_EQ(r[1].get_flat(1), 6.0);
}

TEST(Case, PicksTheFirstTruePredicate) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::int32, tf::TensorShape::scalar());
  const tf::Tensor out = tf::case_({{tf::less(x, 0), [] { return tf::constant(-1.0); }},
                                    {tf::equal(x, 0), [] { return tf::constant(0.0); }}},
                                   [] { return tf::constant(1.0); });
  tf::Session s(g);
  EXPECT_EQ(s.run(out, {{x, -5}}).item<double>(), -1.0);
  EXPECT_EQ(s.run(out, {{x, 0}}).item<double>(), 0.0);
  EXPECT_EQ(s.run(out, {{x, 9}}).item<double>(), 1.0);
}

// sum_{i < n} x^i by a loop whose trip count n is fed.
struct PowerSum {
  tf::Graph g;
  tf::Tensor n, x, out;
  PowerSum(tf::WhileLoopOptions options = {}) {
    auto guard = g.as_default();
    n = tf::placeholder(tf::int32, tf::TensorShape::scalar());
    x = tf::placeholder(tf::float64, tf::TensorShape({2}));
    const V r = tf::while_loop([&](const V& v) { return tf::less(v[0], n); },
                               [&](const V& v) { return V{v[0] + 1, v[1] * x, v[2] + v[1]}; },
                               {int_scalar(0), tf::ones_like(x), tf::zeros_like(x)}, options);
    out = r[2];
  }
};

TEST(WhileLoop, RunsForTheRunTimeTripCount) {
  PowerSum p;
  tf::Session s(p.g);
  EXPECT_EQ(s.run(p.out, {{p.n, 0}, {p.x, vec({2, 3})}}).get_flat(0), 0.0);
  EXPECT_EQ(s.run(p.out, {{p.n, 4}, {p.x, vec({2, 3})}}).get_flat(1), 1 + 3 + 9 + 27.0);
}

TEST(WhileLoop, StopsAtMaximumIterations) {
  PowerSum p(tf::WhileLoopOptions{.maximum_iterations = 2});
  tf::Session s(p.g);
  EXPECT_EQ(s.run(p.out, {{p.n, 10}, {p.x, vec({2, 3})}}).get_flat(0), 3.0);
}

TEST(WhileLoop, GradientMatchesTheDerivativeForEveryTripCount) {
  PowerSum p;
  tf::Tensor grad;
  {
    auto guard = p.g.as_default();
    grad = tf::gradients(tf::reduce_sum(p.out), {p.x})[0];
  }
  tf::Session s(p.g);
  for (int n : {0, 1, 3, 6}) {
    const np::Array r = s.run(grad, {{p.n, n}, {p.x, vec({0.5, -1.5})}});
    for (int k = 0; k < 2; ++k) {
      const double x = k ? -1.5 : 0.5;
      double d = 0;
      for (int i = 1; i < n; ++i) d += i * std::pow(x, i - 1);
      EXPECT_NEAR(r.get_flat(k), d, 1e-12) << "n=" << n;
    }
  }
}

// Central finite differences of sum(w * f(x)) against tf::gradients.
void expect_gradient_matches_fd(const tf::Graph& g, const tf::Tensor& x, const tf::Tensor& f,
                                tf::FeedDict feeds, const np::Array& x0) {
  tf::Tensor loss, grad;
  {
    auto guard = g.as_default();
    loss = tf::reduce_sum(f * tf::tanh(f));
    grad = tf::gradients(loss, {x})[0];
  }
  tf::Session s(g);
  auto with_x = [&](const np::Array& v) {
    tf::FeedDict d = feeds;
    d.emplace_back(x, v);
    return d;
  };
  const np::Array analytic = s.run(grad, with_x(x0));
  for (int64_t i = 0; i < x0.size(); ++i) {
    np::Array hi = x0.copy(), lo = x0.copy();
    const double h = 1e-6;
    hi.set_flat(i, x0.get_flat(i) + h);
    lo.set_flat(i, x0.get_flat(i) - h);
    const double fd = (s.run(loss, with_x(hi)).item<double>() - s.run(loss, with_x(lo)).item<double>()) / (2 * h);
    EXPECT_NEAR(analytic.get_flat(i), fd, 1e-6 * std::max(1.0, std::abs(fd))) << "element " << i;
  }
}

TEST(WhileLoop, GradientMatchesFiniteDifferencesThroughAMatrixRecurrence) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor n = tf::placeholder(tf::int32, tf::TensorShape::scalar());
  const tf::Tensor w = tf::placeholder(tf::float64, tf::TensorShape({3, 3}));
  const tf::Tensor h0 = tf::constant(vec({0.3, -0.1, 0.5, 0.2, 0.4, -0.6}).reshape({2, 3}));
  // h <- tanh(h . w + 0.1 i), the shape of an RNN's recurrence.
  const V r = tf::while_loop(
      [&](const V& v) { return tf::less(v[0], n); },
      [&](const V& v) { return V{v[0] + 1, tf::tanh(tf::matmul(v[1], w) + tf::cast(v[0], tf::float64) * 0.1)}; },
      {int_scalar(0), h0});
  np::Array w0 = np::Array::empty({3, 3}, np::float64);
  for (int64_t i = 0; i < 9; ++i) w0.set_flat(i, 0.2 * std::sin(1.0 + i));
  expect_gradient_matches_fd(g, w, r[1], {{n, 5}}, w0);
}

TEST(WhileLoop, NestedLoopsDifferentiate) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({2}));
  // Outer: 3 times, y <- inner(y) + x where inner: 2 times, z <- tanh(z * x).
  const V outer = tf::while_loop(
      [](const V& v) { return tf::less(v[0], 3); },
      [&](const V& v) {
        const V inner = tf::while_loop([](const V& u) { return tf::less(u[0], 2); },
                                       [&](const V& u) { return V{u[0] + 1, tf::tanh(u[1] * x)}; },
                                       {int_scalar(0), v[1]});
        return V{v[0] + 1, inner[1] + x};
      },
      {int_scalar(0), x});
  expect_gradient_matches_fd(g, x, outer[1], {}, vec({0.7, -1.2}));
}

TEST(WhileLoop, BodyOfAnotherStructureOrDtypeIsAnError) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::constant(vec({1, 2}));
  const auto cond = [](const V& v) { return tf::less(v[0], 3); };
  const std::string m = message_of<keraspp::ValueError>([&] {
    tf::while_loop(cond, [](const V& v) { return V{v[0] + 1}; }, {int_scalar(0), x});
  });
  EXPECT_EQ(m.rfind("The two structures don't have the same nested structure.", 0), 0u) << m;
  const std::string t = message_of<keraspp::TypeError>([&] {
    tf::while_loop(cond, [](const V& v) { return V{v[0] + 1, tf::cast(v[1], tf::int32)}; }, {int_scalar(0), x});
  });
  EXPECT_NE(t.find("enters the loop with type float64, but has type int32 after 1 iteration"), std::string::npos) << t;
}

TEST(WhileLoop, ShapesChangeOnlyWithShapeInvariants) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::constant(vec({1, 2}));
  const auto cond = [](const V& v) { return tf::less(v[0], 3); };
  const auto grow = [](const V& v) { return V{v[0] + 1, tf::concat({v[1], v[1]}, 0)}; };
  const std::string m = message_of<keraspp::ValueError>([&] { tf::while_loop(cond, grow, {int_scalar(0), x}); });
  EXPECT_NE(m.find("is not an invariant for the loop. It enters the loop with shape (2,), but has shape (4,) after "
                   "one iteration. Provide shape invariants"),
            std::string::npos)
      << m;
  const V r = tf::while_loop(cond, grow, {int_scalar(0), x},
                             {.shape_invariants = {tf::TensorShape::scalar(), tf::TensorShape({-1})}});
  EXPECT_EQ(r[1].shape(), tf::TensorShape({-1}));
  tf::Session s(g);
  EXPECT_EQ(s.run(r[1]).size(), 16);
}

TEST(WhileLoop, ErrorsInsideTheBodyNameTheLoopAndTheOp) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor params = tf::constant(vec({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  const V r = tf::while_loop(
      [](const V& v) { return tf::less(v[0], 20); },
      [&](const V& v) { return V{v[0] + 3, v[1] + tf::gather(params, tf::reshape(v[0], std::vector<int64_t>{1}))}; },
      {int_scalar(0), tf::constant(vec({0}))}, {.name = "rnn"});
  tf::Session s(g);
  const std::string m = message_of<tf::errors::InvalidArgumentError>([&] { s.run(r[1]); });
  EXPECT_NE(m.find("indices[0] = 12 is not in [0, 10)"), std::string::npos) << m;
  EXPECT_NE(m.find("Gather"), std::string::npos) << m;
  EXPECT_NE(m.find("the body of while loop 'rnn'"), std::string::npos) << m;
}

TEST(WhileLoop, SteadyStateTrainingStepAllocatesNothing) {
  PowerSum p;
  tf::Tensor grad;
  {
    auto guard = p.g.as_default();
    grad = tf::gradients(tf::reduce_sum(p.out), {p.x})[0];
  }
  tf::Session s(p.g);
  const tf::FeedDict feeds{{p.n, 7}, {p.x, vec({0.5, 2})}};
  for (int i = 0; i < 3; ++i) s.run({p.out, grad}, feeds);
  const uint64_t before = np::Storage::allocation_count();
  for (int i = 0; i < 5; ++i) s.run({p.out, grad}, feeds);
  EXPECT_EQ(np::Storage::allocation_count(), before);
}

TEST(WhileLoop, ConcurrentRunsOfOnePlanAgree) {
  PowerSum p;
  tf::Session s(p.g);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const int n = (t + i) % 6;
        const double r = s.run(p.out, {{p.n, n}, {p.x, vec({1, 2})}}).get_flat(1);
        if (r != std::pow(2.0, n) - 1) ++wrong;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(WhileLoop, WithoutBackPropHasNoGradient) {
  PowerSum p(tf::WhileLoopOptions{.back_prop = false});
  auto guard = p.g.as_default();
  EXPECT_FALSE(tf::gradients(tf::reduce_sum(p.out), {p.x})[0]);
}

}  // namespace
