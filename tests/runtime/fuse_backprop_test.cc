// The backward fusion of Dense -> relu (-> dropout): ReluGrad + BiasAddGrad
// (+ _FusedDropoutGrad) run as one step and give the unfused plan's values
// bit for bit, float32 and float64, below and above the parallel grain; a
// dropout gradient that is fetched stays a step of its own.
#include <gtest/gtest.h>

#include <cstring>
#include <ostream>

#include "keraspp/np/random.h"
#include "keraspp/tf.h"
#include "support/graph_checks.h"

namespace {

using kpp_test::bit_equal;

np::Array values(const np::Shape& shape, uint64_t seed, np::DType dtype) {
  np::random::seed(seed);
  return np::random::uniform(-1.0, 1.0, shape).astype(dtype);
}

bool has(const tf::Session& s, const std::string& row) {
  return s.profile_report().find("\n" + row + " ") != std::string::npos;
}

struct Case {
  int64_t batch;
  np::DType dtype;
  bool dropout;
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << "batch " << c.batch << " " << np::dtype_name(c.dtype) << (c.dropout ? " dropout" : "");
}

class FuseBackpropTest : public ::testing::TestWithParam<Case> {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
};

// x: [batch, 37] -> relu(x w1 + b1) [batch, 300] (-> dropout) -> . w2 + b2 [batch, 21].
TEST_P(FuseBackpropTest, GradientsMatchTheUnfusedPlanBitForBit) {
  const auto [batch, dtype, dropout] = GetParam();
  auto x = tf::placeholder(dtype, {-1, 37}, "x");
  auto w1 = tf::Variable(values({37, 300}, 1, dtype), {.name = "w1"});
  auto b1 = tf::Variable(values({300}, 2, dtype), {.name = "b1"});
  auto w2 = tf::Variable(values({300, 21}, 3, dtype), {.name = "w2"});
  auto b2 = tf::Variable(values({21}, 4, dtype), {.name = "b2"});
  auto h = tf::nn::relu(tf::nn::bias_add(tf::matmul(x, w1.value()), b1.value()));
  if (dropout) h = tf::nn::dropout(h, 0.75, {.seed = 11});
  auto y = tf::nn::bias_add(tf::matmul(h, w2.value()), b2.value());
  auto loss = tf::reduce_sum(y * y);
  auto grads = tf::gradients(loss, {x, w1.value(), b1.value(), w2.value(), b2.value()});
  const np::Array xv = values({batch, 37}, 5, dtype);

  tf::Session fused(g);
  tf::Session plain(g, {.optimize_plans = false});
  for (tf::Session* s : {&fused, &plain}) {
    s->run(tf::global_variables_initializer());
    s->set_profiling(true);
  }
  for (int step = 0; step < 2; ++step) {  // the dropout mask changes between runs
    const auto a = fused.run(grads, {{x, xv}});
    const auto b = plain.run(grads, {{x, xv}});
    for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(bit_equal(a[i], b[i])) << "grad " << i;
  }
  const char* fused_type = dropout ? "_FusedDropoutReluBiasAddGrad" : "_FusedReluBiasAddGrad";
  EXPECT_TRUE(has(fused, fused_type)) << fused.profile_report();
  EXPECT_FALSE(has(fused, "ReluGrad")) << fused.profile_report();
  EXPECT_FALSE(has(fused, "_FusedDropoutGrad")) << fused.profile_report();
  // The second layer's bias gradient has no relu to fuse with.
  EXPECT_TRUE(has(fused, "BiasAddGrad")) << fused.profile_report();
  EXPECT_TRUE(has(plain, "ReluGrad")) << plain.profile_report();
}

INSTANTIATE_TEST_SUITE_P(Cases, FuseBackpropTest,
                         ::testing::Values(Case{1, np::float32, false}, Case{3, np::float32, true},
                                           Case{128, np::float32, false}, Case{128, np::float32, true},
                                           Case{3, np::float64, true}, Case{128, np::float64, true}));

TEST(FuseBackpropRules, AFetchedDropoutGradientStaysItsOwnStep) {
  tf::Graph g;
  auto guard = g.as_default();
  auto x = tf::placeholder(tf::float32, {-1, 8}, "x");
  auto w = tf::constant(values({8, 64}, 1, np::float32));
  auto bias = tf::constant(values({64}, 2, np::float32));
  auto h = tf::nn::relu(tf::nn::bias_add(tf::matmul(x, w), bias));
  auto hd = tf::nn::dropout(h, 0.5, {.seed = 3});
  auto loss = tf::reduce_sum(hd * hd);
  // d loss / d h is the dropout gradient's output: fetched, so kept.
  auto grads = tf::gradients(loss, {h, bias});
  tf::Session fused(g);
  tf::Session plain(g, {.optimize_plans = false});
  fused.set_profiling(true);
  const np::Array xv = values({4, 8}, 3, np::float32);
  const auto a = fused.run(grads, {{x, xv}});
  const auto b = plain.run(grads, {{x, xv}});
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(bit_equal(a[i], b[i])) << "grad " << i;
  EXPECT_TRUE(has(fused, "_FusedDropoutGrad")) << fused.profile_report();
  EXPECT_TRUE(has(fused, "_FusedReluBiasAddGrad")) << fused.profile_report();
}

}  // namespace
