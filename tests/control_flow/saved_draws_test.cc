// Random draws inside cond branches and while_loop bodies under gradients:
// the forward If/While outputs what the body drew and the gradient
// function is fed it (graph/function.h, saved_values), so the backward pass
// uses the forward's draws. Each test compares a gradient with the value
// the same run's forward pass computed from those draws.
#include <gtest/gtest.h>

#include "keraspp/tf.h"
#include "support/expect_error.h"

namespace {

using V = std::vector<tf::Tensor>;

np::Array filled(int64_t n, double v, np::DType t = np::float32) {
  np::Array a = np::Array::empty({n}, t);
  for (int64_t i = 0; i < n; ++i) a.set_flat(i, v);
  return a;
}
tf::Tensor int_scalar(int32_t v) { return tf::constant(np::Array::scalar(v)); }

// y = x * u1 * u2 with u drawn each iteration: dy/dx = u1 * u2 = y / x.
TEST(SavedDraws, WhileBodyGradientUsesTheForwardDraws) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(7);
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({4}));
  const V r = tf::while_loop([](const V& v) { return tf::less(v[0], 2); },
                             [&](const V& v) { return V{v[0] + 1, v[1] * tf::random_uniform({4})}; },
                             {int_scalar(0), x});
  const tf::Tensor dx = tf::gradients(tf::reduce_sum(r[1]), {x})[0];
  tf::Session s(g);
  for (int run = 0; run < 3; ++run) {
    const auto out = s.run({r[1], dx}, {{x, filled(4, 2.0)}});
    for (int64_t i = 0; i < 4; ++i) {
      EXPECT_GT(out[1].get_flat(i), 0.0);
      EXPECT_FLOAT_EQ(out[1].get_flat(i) * 2.0, out[0].get_flat(i)) << "run " << run << " element " << i;
    }
  }
}

// tf.nn.dropout in the taken branch: the gradient is the forward's mask / keep_prob.
TEST(SavedDraws, CondBranchGradientUsesTheForwardMask) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(3);
  const tf::Tensor pred = tf::placeholder(tf::bool_, tf::TensorShape::scalar());
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({64}));
  const tf::Tensor y = tf::cond(pred, [&] { return tf::nn::dropout(x, 0.5); }, [&] { return x * 1.0; });
  const tf::Tensor dx = tf::gradients(tf::reduce_sum(y), {x})[0];
  tf::Session s(g);
  const auto train = s.run({y, dx}, {{pred, true}, {x, filled(64, 1.0)}});
  int kept = 0;
  for (int64_t i = 0; i < 64; ++i) {
    EXPECT_EQ(train[1].get_flat(i), train[0].get_flat(i)) << i;  // x = 1: y = mask / keep = dy/dx
    kept += train[0].get_flat(i) != 0.0;
  }
  EXPECT_GT(kept, 10);
  EXPECT_LT(kept, 54);
  const auto test = s.run({y, dx}, {{pred, false}, {x, filled(64, 1.0)}});
  for (int64_t i = 0; i < 64; ++i) EXPECT_EQ(test[1].get_flat(i), 1.0);
}

// A loop inside a cond inside a loop, drawing in the innermost body: each
// level saves what the level below drew (a control-flow op drawing is
// itself saved), so nesting keeps the gradient equal to y / x.
TEST(SavedDraws, NestedLoopAndCondReplayTheInnermostDraws) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(11);
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({3}));
  const tf::Tensor on = tf::placeholder(tf::bool_, tf::TensorShape::scalar());
  const V outer = tf::while_loop(
      [](const V& v) { return tf::less(v[0], 2); },
      [&](const V& v) {
        const tf::Tensor inner = tf::cond(on, [&] {
          return tf::while_loop([](const V& u) { return tf::less(u[0], 3); },
                                [&](const V& u) {
                                  return V{u[0] + 1, u[1] * (tf::random_uniform({3}, {.dtype = tf::float64}) + 0.5)};
                                },
                                {int_scalar(0), v[1]})[1];
        }, [&] { return v[1] * 2.0; });
        return V{v[0] + 1, inner};
      },
      {int_scalar(0), x});
  const tf::Tensor dx = tf::gradients(tf::reduce_sum(outer[1]), {x})[0];
  tf::Session s(g);
  const auto out = s.run({outer[1], dx}, {{x, filled(3, 3.0, np::float64)}, {on, true}});
  for (int64_t i = 0; i < 3; ++i) EXPECT_NEAR(out[1].get_flat(i) * 3.0, out[0].get_flat(i), 1e-12) << i;
  const auto off = s.run({outer[1], dx}, {{x, filled(3, 3.0, np::float64)}, {on, false}});
  for (int64_t i = 0; i < 3; ++i) EXPECT_EQ(off[1].get_flat(i), 4.0);
}

// The same seeds draw the same masks, forward and backward, run after run
// of two sessions; a loop with a fixed trip count allocates nothing once warm.
TEST(SavedDraws, DeterministicAndAllocationFreeOnceWarm) {
  auto build_and_run = [](std::vector<np::Array>* results, uint64_t* allocations) {
    tf::Graph g;
    auto guard = g.as_default();
    tf::set_random_seed(5);
    const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({8}));
    const V r = tf::while_loop([](const V& v) { return tf::less(v[0], 4); },
                               [&](const V& v) { return V{v[0] + 1, tf::nn::dropout(v[1], 0.7) + 0.25}; },
                               {int_scalar(0), x});
    const tf::Tensor dx = tf::gradients(tf::reduce_sum(r[1]), {x})[0];
    tf::Session s(g);
    const tf::FeedDict feeds{{x, filled(8, 1.5)}};
    for (int i = 0; i < 3; ++i) s.run({r[1], dx}, feeds);
    const uint64_t before = np::Storage::allocation_count();
    for (int i = 0; i < 3; ++i) s.run({r[1], dx}, feeds);
    *allocations = np::Storage::allocation_count() - before;
    *results = s.run({r[1], dx}, feeds);
  };
  std::vector<np::Array> a, b;
  uint64_t alloc_a = 0, alloc_b = 0;
  build_and_run(&a, &alloc_a);
  build_and_run(&b, &alloc_b);
  for (size_t k = 0; k < a.size(); ++k)
    for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(a[k].get_flat(i), b[k].get_flat(i));
  EXPECT_EQ(alloc_a, 0u);
}

}  // namespace
