// The fusion table is data: a pattern registered here, outside the runtime
// (a plan-only op, a kernel and a row: BiasAdd -> Relu6), fuses by the same
// matcher and rules as the library's rows, bit for bit with the unfused
// plan; and the rules hold for it (a kept intermediate, a second reader).
#include <gtest/gtest.h>

#include <algorithm>

#include "keraspp/graph/op_registry.h"
#include "kernels/kernel.h"
#include "keraspp/np/random.h"
#include "keraspp/tf.h"
#include "support/graph_checks.h"

namespace {

using kpp_test::bit_equal;

// value [N, C] + bias [C], then min(max(., 0), 6): BiasAdd's and Relu6's
// float operations in their order.
constexpr tf::ArgList kInputs{"value: T", "bias: T"};

void bias_add_relu6(tf::kernels::KernelContext& ctx) {
  const np::Array& v = ctx.input(kInputs.index("value"));
  const np::Array& b = ctx.input(kInputs.index("bias"));
  np::Array& out = ctx.allocate_output(0, v.shape(), v.dtype());
  const int64_t c = b.size();
  for (int64_t i = 0; i < v.size(); ++i) {
    const float x = v.data<float>()[i] + b.data<float>()[i % c];
    out.data<float>()[i] = x > 0.f ? (x < 6.f ? x : 6.f) : 0.f;
  }
}

const tf::OpRegistrar op{tf::OpDef{.name = "_TestFusedBiasAddRelu6",
                                   .inputs = kInputs.specs(),
                                   .outputs = {"output: T"},
                                   .attrs = {"T: {float}"},
                                   .differentiable = false,
                                   .plan_only = true}};
const tf::kernels::KernelRegistrar kernel{"_TestFusedBiasAddRelu6", "CPU", tf::float32, bias_add_relu6};
const tf::FusionRegistrar row{tf::FusionPattern{.fused_op = "_TestFusedBiasAddRelu6",
                                                .chain = {{"BiasAdd", ""}, {"Relu6", "features"}},
                                                .inputs = {{0, "value"}, {0, "bias"}},
                                                .outputs = {1}}};

bool has(const tf::Session& s, const std::string& row) {
  return s.profile_report().find("\n" + row + " ") != std::string::npos;
}

np::Array values(const np::Shape& shape, uint64_t seed) {
  np::random::seed(seed);
  return np::random::uniform(-8.0, 8.0, shape).astype(np::float32);
}

struct Runs {
  std::vector<np::Array> fused, plain;
  std::string fused_report;
};

Runs run_both(const tf::Graph& g, const std::vector<tf::Tensor>& fetches, const tf::FeedDict& feeds) {
  tf::Session fused(g);
  tf::Session plain(g, {.optimize_plans = false});
  fused.set_profiling(true);
  Runs r{fused.run(fetches, feeds), plain.run(fetches, feeds), ""};
  r.fused_report = fused.profile_report();
  EXPECT_FALSE(has(plain, "_TestFusedBiasAddRelu6"));
  return r;
}

TEST(FusionTable, ARowAndAKernelMakeANewFusion) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, {-1, 9}, "x");
  const tf::Tensor b = tf::constant(values({9}, 2));
  const tf::Tensor y = tf::nn::relu6(tf::nn::bias_add(x, b));
  const Runs r = run_both(g, {y}, {{x, values({5, 9}, 1)}});
  EXPECT_TRUE(bit_equal(r.fused[0], r.plain[0]));
  EXPECT_NE(r.fused_report.find("\n_TestFusedBiasAddRelu6 "), std::string::npos) << r.fused_report;
  EXPECT_EQ(r.fused_report.find("\nRelu6 "), std::string::npos) << r.fused_report;
}

TEST(FusionTable, TheMatchersRulesHoldForANewRow) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, {-1, 9}, "x");
  const tf::Tensor b = tf::constant(values({9}, 2));
  const tf::Tensor sum = tf::nn::bias_add(x, b);
  const tf::Tensor y = tf::nn::relu6(sum);
  const tf::FeedDict feeds{{x, values({5, 9}, 1)}};
  {  // The intermediate is fetched: kept, so the chain stays unfused.
    const Runs r = run_both(g, {y, sum}, feeds);
    EXPECT_EQ(r.fused_report.find("\n_TestFusedBiasAddRelu6 "), std::string::npos) << r.fused_report;
    for (size_t i = 0; i < 2; ++i) EXPECT_TRUE(bit_equal(r.fused[i], r.plain[i]));
  }
  {  // A second reader of the intermediate.
    const tf::Tensor z = tf::nn::relu6(sum) + sum;
    const Runs r = run_both(g, {z}, feeds);
    EXPECT_EQ(r.fused_report.find("\n_TestFusedBiasAddRelu6 "), std::string::npos) << r.fused_report;
    EXPECT_TRUE(bit_equal(r.fused[0], r.plain[0]));
  }
}

}  // namespace
