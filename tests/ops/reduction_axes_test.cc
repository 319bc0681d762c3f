// TF's reduce_* axis argument: None reduces every axis, an explicit empty
// list reduces none (the result is the input's values and shape).
#include <gtest/gtest.h>

#include "keraspp/tf.h"

namespace {

TEST(ReductionAxes, AllAxesAndAnEmptyListDiffer) {
  tf::Graph g;
  auto guard = g.as_default();
  const np::Array v = np::Array({1.f, -2.f, 3.f, 4.f, 5.f, -6.f}).reshape({2, 3});
  tf::Tensor x = tf::constant(v);
  tf::Tensor all = tf::reduce_sum(x);
  tf::Tensor all_kept = tf::reduce_sum(x, tf::all_axes, {.keepdims = true});
  tf::Tensor none = tf::reduce_sum(x, {});
  tf::Tensor none_vec = tf::reduce_mean(x, std::vector<int>{});
  tf::Tensor none_max = tf::reduce_max(x, {}, {.keepdims = true});
  tf::Tensor last = tf::reduce_max(x, -1);
  EXPECT_EQ(all.shape().str(), "()");
  EXPECT_EQ(all_kept.shape().str(), "(1, 1)");
  EXPECT_EQ(none.shape().str(), "(2, 3)");
  EXPECT_EQ(none_vec.shape().str(), "(2, 3)");
  EXPECT_EQ(none_max.shape().str(), "(2, 3)");
  EXPECT_EQ(last.shape().str(), "(2,)");
  EXPECT_TRUE(all.op().get_attr<bool>("reduce_all"));
  EXPECT_FALSE(none.op().get_attr<bool>("reduce_all"));
  EXPECT_TRUE(none.op().get_attr<std::vector<int64_t>>("axis").empty());

  tf::Session s(g);
  const auto out = s.run({all, none, none_vec, none_max, last});
  EXPECT_EQ(out[0].get_flat(0), 5.0);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(out[1].get_flat(i), v.get_flat(i));
    EXPECT_EQ(out[2].get_flat(i), v.get_flat(i));
    EXPECT_EQ(out[3].get_flat(i), v.get_flat(i));
  }
  EXPECT_EQ(out[4].get_flat(0), 3.0);
  EXPECT_EQ(out[4].get_flat(1), 5.0);
  // The gradient of a reduction over no axes passes the gradient through.
  tf::Tensor dx = tf::gradients(tf::reduce_sum(tf::reduce_mean(x, {}) * 3.0), {x})[0];
  const np::Array gx = s.run(dx);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(gx.get_flat(i), 3.0);
}

}  // namespace
