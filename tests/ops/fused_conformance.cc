// Runs every fused case (conformance.h FusedCase): the plan-only op's chain
// with optimize_plans on and off, the fused op run, results compared; the
// gradient-product ops' cases are made from their updates' schemas; and
// every plan-only op must have a case.
#include <gtest/gtest.h>

#include <cmath>

#include "conformance.h"
#include "keraspp/graph/op_registry.h"
#include "keraspp/np/philox.h"
#include "keraspp/ops/builder.h"
#include "support/graph_checks.h"

namespace conformance {

std::vector<FusedCase>& fused_registry() {
  static std::vector<FusedCase> r;
  return r;
}

namespace {

bool ran(const tf::Session& s, const std::string& op) {
  return s.profile_report().find("\n" + op + " ") != std::string::npos;
}

::testing::AssertionResult same(const np::Array& a, const np::Array& b, double tolerance) {
  if (tolerance == 0)
    return kpp_test::bit_equal(a, b) ? ::testing::AssertionSuccess()
                                     : ::testing::AssertionFailure() << "not bit for bit equal";
  if (a.shape() != b.shape()) return ::testing::AssertionFailure() << "shapes differ";
  for (int64_t i = 0; i < a.size(); ++i) {
    const double x = a.get_flat(i), y = b.get_flat(i);
    if (!(std::abs(x - y) <= tolerance * (1 + std::abs(y))))
      return ::testing::AssertionFailure() << "element " << i << ": " << x << " vs " << y;
  }
  return ::testing::AssertionSuccess();
}

// Every case in every dtype it lists.
std::vector<std::pair<size_t, np::DType>> all_fused_cases() {
  std::vector<std::pair<size_t, np::DType>> v;
  for (size_t i = 0; i < fused_registry().size(); ++i)
    for (np::DType t : fused_registry()[i].dtypes) v.emplace_back(i, t);
  return v;
}

class FusedConformance : public ::testing::TestWithParam<std::pair<size_t, np::DType>> {};

TEST_P(FusedConformance, MatchesTheUnfusedChain) {
  const FusedCase& c = fused_registry().at(GetParam().first);
  tf::Graph g;
  auto guard = g.as_default();
  const FusedBuilt b = c.build(GetParam().second);
  tf::Session fused(g);
  tf::Session plain(g, {.optimize_plans = false});
  std::vector<std::vector<np::Array>> results;
  for (tf::Session* s : {&fused, &plain}) {
    for (const auto& op : b.setup) s->run(op);
    s->set_profiling(true);
    for (int step = 0; step < 2; ++step)  // a second run reuses the plan's buffers
      if (!b.targets.empty()) s->run(std::vector<tf::Tensor>{}, b.feeds, b.targets);
    results.push_back(s->run(b.fetches, b.feeds));
  }
  EXPECT_TRUE(ran(fused, c.op)) << fused.profile_report();
  EXPECT_FALSE(ran(plain, c.op)) << plain.profile_report();
  for (size_t i = 0; i < b.fetches.size(); ++i)
    EXPECT_TRUE(same(results[0][i], results[1][i], c.tolerance)) << "fetch " << i;
}

std::string fused_name(const ::testing::TestParamInfo<std::pair<size_t, np::DType>>& info) {
  const FusedCase& c = fused_registry().at(info.param.first);
  std::string n = c.op + "_" + (c.label.empty() ? "" : c.label + "_") + np::dtype_name(info.param.second);
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

// Uniform values in [lo, hi) of `shape`, as dtype.
np::Array values(const np::Shape& shape, uint64_t seed, double lo, double hi, np::DType dtype) {
  np::random::Philox4x32 rng(seed, 11);
  np::Array a = np::Array::empty(shape, np::float64);
  for (int64_t i = 0; i < a.size(); ++i) {
    auto r = rng.next();
    a.set_flat(i, lo + (hi - lo) * np::random::Philox4x32::to_double(r[0], r[1]));
  }
  return a.astype(dtype);
}

// The case of an update's gradient-product op, from the update's schema:
// its refs are variables [5, 6] of positive values (accumulators under a
// square root stay real), its scalar inputs constants in (0, 1), and its
// gradient x^T . dy, the product of two fed [8, 5] and [8, 6] values.
FusedCase gradient_product_case(const tf::OpDef& update) {
  const std::string type = update.name;
  return FusedCase{
      .op = tf::gradient_product_op(type),
      .build = [type](np::DType dtype) {
        const tf::OpDef& def = tf::OpRegistry::global().lookup(type);
        FusedBuilt b;
        const tf::Tensor x = tf::placeholder(dtype, {8, 5}, "x");
        const tf::Tensor dy = tf::placeholder(dtype, {8, 6}, "dy");
        b.feeds = {{x, values({8, 5}, 1, -1, 1, dtype)}, {dy, values({8, 6}, 2, -1, 1, dtype)}};
        std::vector<tf::Tensor> inputs;
        for (size_t i = 0; i < def.input_args.size(); ++i) {
          const auto seed = static_cast<uint64_t>(10 + i);
          if (static_cast<int>(i) == def.gradient_product_input) {
            inputs.push_back(tf::matmul(x, dy, {.transpose_a = true}));
          } else if (def.input_args[i].is_ref) {
            tf::Variable v(values({5, 6}, seed, 0.5, 1.5, dtype));
            b.setup.push_back(v.initializer());
            b.fetches.push_back(v.value());
            inputs.push_back(v.ref());
          } else {
            inputs.push_back(tf::constant(0.05 + 0.1 * static_cast<double>(i % 8), dtype));
          }
        }
        b.targets.push_back(tf::op_builder::create(type, inputs));
        return b;
      },
      .tolerance = 1e-5};
}

// Registered here, once the ops are: one case per update with a product.
const bool gradient_product_cases = [] {
  for (const auto& name : tf::OpRegistry::global().names()) {
    const tf::OpDef& def = tf::OpRegistry::global().lookup(name);
    if (def.gradient_product_input >= 0) fused_registry().push_back(gradient_product_case(def));
  }
  return true;
}();

INSTANTIATE_TEST_SUITE_P(AllFusedOps, FusedConformance, ::testing::ValuesIn(all_fused_cases()),
                         fused_name);

TEST(ConformanceCoverage, EveryPlanOnlyOpHasAFusedCase) {
  std::string missing;
  for (const auto& name : tf::OpRegistry::global().names()) {
    if (!tf::OpRegistry::global().lookup(name).plan_only) continue;
    bool found = false;
    for (const FusedCase& c : fused_registry()) found = found || c.op == name;
    if (!found) missing += name + " ";
  }
  EXPECT_TRUE(missing.empty()) << "plan-only ops without a fused case: " << missing;
}

TEST(ConformanceCoverage, EveryFusionRowMakesAPlanOnlyOp) {
  for (const tf::FusionPattern& row : tf::OpRegistry::global().fusions()) {
    const tf::OpDef* def = tf::OpRegistry::global().find(row.fused_op);
    ASSERT_NE(def, nullptr) << row.fused_op << " is not registered";
    EXPECT_TRUE(def->plan_only) << row.fused_op;
    for (const tf::FusionLink& link : row.chain)
      EXPECT_NE(tf::OpRegistry::global().find(link.op), nullptr) << row.fused_op << ": " << link.op;
  }
}

}  // namespace
}  // namespace conformance
