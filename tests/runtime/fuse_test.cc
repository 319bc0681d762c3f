// MatMul + BiasAdd (+ Relu) fused by the plan (src/runtime/fuse.h): the
// fused steps give the unfused graph's values bit for bit, forward and
// backward, at batch 1 (gemv) and batch 128 (sgemm); chains whose
// intermediates are read elsewhere or fetched stay unfused.
#include <gtest/gtest.h>

#include <cstring>

#include "keraspp/np/random.h"
#include "keraspp/tf.h"
#include "support/expect_error.h"
#include "support/graph_checks.h"

namespace {

using kpp_test::bit_equal;

np::Array values(const np::Shape& shape, uint64_t seed) {
  np::random::seed(seed);
  return np::random::uniform(-1.0, 1.0, shape).astype(np::float32);
}

std::string report(const tf::Session& s) { return s.profile_report(); }

class FuseTest : public ::testing::TestWithParam<int64_t> {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
};

TEST_P(FuseTest, DenseReluForwardAndGradientsMatchTheUnfusedGraph) {
  const int64_t batch = GetParam();
  auto x = tf::placeholder(tf::float32, {-1, 37}, "x");
  auto w1 = tf::Variable(values({37, 300}, 1), {.name = "w1"});
  auto b1 = tf::Variable(values({300}, 2), {.name = "b1"});
  auto w2 = tf::Variable(values({300, 21}, 3), {.name = "w2"});
  auto b2 = tf::Variable(values({21}, 4), {.name = "b2"});
  auto h = tf::nn::relu(tf::nn::bias_add(tf::matmul(x, w1.value()), b1.value()));
  auto y = tf::nn::bias_add(tf::matmul(h, w2.value()), b2.value());
  auto loss = tf::reduce_sum(y * y);
  auto grads = tf::gradients(loss, {w1.value(), b1.value(), w2.value(), b2.value()});
  std::vector<tf::Tensor> fetches = {y};
  fetches.insert(fetches.end(), grads.begin(), grads.end());
  const np::Array xv = values({batch, 37}, 5);

  tf::Session fused(g);
  tf::Session plain(g, {.optimize_plans = false});
  for (tf::Session* s : {&fused, &plain}) s->run(tf::global_variables_initializer());
  fused.set_profiling(true);
  plain.set_profiling(true);
  const auto a = fused.run(fetches, {{x, xv}});
  const auto b = plain.run(fetches, {{x, xv}});
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(bit_equal(a[i], b[i])) << "fetch " << i;
  EXPECT_NE(report(fused).find("_FusedMatMulRelu"), std::string::npos) << report(fused);
  EXPECT_NE(report(fused).find("_FusedMatMul "), std::string::npos) << report(fused);
  EXPECT_EQ(report(fused).find("\nBiasAdd "), std::string::npos) << report(fused);
  EXPECT_EQ(report(fused).find("\nRelu "), std::string::npos) << report(fused);
  EXPECT_NE(report(plain).find("\nBiasAdd "), std::string::npos) << report(plain);
}

INSTANTIATE_TEST_SUITE_P(Batches, FuseTest, ::testing::Values(1, 3, 128));

TEST(FuseRules, IntermediatesReadElsewhereOrFetchedStayUnfused) {
  tf::Graph g;
  auto guard = g.as_default();
  auto x = tf::placeholder(tf::float32, {2, 3}, "x");
  auto w = tf::constant(values({3, 4}, 7));
  auto bias = tf::constant(values({4}, 8));
  auto product = tf::matmul(x, w);
  auto sum = tf::nn::bias_add(product, bias);
  auto out = tf::nn::relu(sum) + product;  // the product has a second reader
  tf::Session s(g);
  s.set_profiling(true);
  const np::Array xv = values({2, 3}, 9);
  const auto r = s.run({out, sum}, {{x, xv}});  // the sum is fetched
  EXPECT_EQ(report(s).find("_Fused"), std::string::npos) << report(s);
  tf::Session plain(g, {.optimize_plans = false});
  EXPECT_TRUE(bit_equal(r[0], plain.run(out, {{x, xv}})));
}

TEST(FuseRules, FusedBiasOfTheWrongSizeIsAnError) {
  tf::Graph g;
  auto guard = g.as_default();
  auto x = tf::placeholder(tf::float32, {-1, 3}, "x");
  auto bias = tf::placeholder(tf::float32, {-1}, "bias");
  auto y = tf::nn::relu(tf::nn::bias_add(tf::matmul(x, tf::constant(values({3, 4}, 1))), bias));
  tf::Session s(g);
  const std::string msg = kpp_test::message_of<tf::errors::InvalidArgumentError>(
      [&] { s.run(y, {{x, values({2, 3}, 2)}, {bias, values({5}, 3)}}); });
  EXPECT_EQ(msg, "Must provide as many biases as the last dimension of the input tensor: (5,) vs. "
                 "(2, 4) for 'MatMul'");
}

}  // namespace
