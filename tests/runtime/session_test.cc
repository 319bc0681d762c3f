// Session semantics: feeds, fetches, targets, plan caching, variables living
// in the session, default sessions, and no buffer allocation in steady state.
#include <gtest/gtest.h>

#include "keraspp/tf.h"

namespace {

class SessionTest : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
};

TEST_F(SessionTest, RunsFetchesWithFeeds) {
  auto x = tf::placeholder(tf::float32, {-1, 2});
  auto y = tf::reduce_sum(x * 2.0, 1);
  tf::Session s(g);
  np::Array in = np::Array::from_vector<float>({1, 2, 3, 4}, {2, 2});
  np::Array out = s.run(y, {{x, in}});
  EXPECT_EQ(out.shape(), (np::Shape{2}));
  EXPECT_FLOAT_EQ(out.at<float>(0), 6.f);
  EXPECT_FLOAT_EQ(out.at<float>(1), 14.f);
}

TEST_F(SessionTest, PlansAreCachedPerSignature) {
  auto x = tf::placeholder(tf::float32, {2});
  auto y = x + 1.0;
  auto z = x * 3.0;
  tf::Session s(g);
  for (int i = 0; i < 3; ++i) s.run(y, {{x, np::Array({1.f, 2.f})}});
  EXPECT_EQ(s.num_cached_plans(), 1u);
  s.run(z, {{x, np::Array({1.f, 2.f})}});
  s.run(std::vector<tf::Tensor>{y, z}, {{x, np::Array({1.f, 2.f})}});
  EXPECT_EQ(s.num_cached_plans(), 3u);
}

TEST_F(SessionTest, FeedingAnIntermediateTensorPrunesItsProducer) {
  auto x = tf::placeholder(tf::float32, {2});
  auto h = x * 2.0;
  auto y = h + 1.0;
  tf::Session s(g);
  // x is never fed: h is, so the missing placeholder is never reached.
  np::Array out = s.run(y, {{h, np::Array({10.f, 20.f})}});
  EXPECT_FLOAT_EQ(out.at<float>(1), 21.f);
}

TEST_F(SessionTest, ScalarFeedsConvertToThePlaceholderDtype) {
  auto flag = tf::placeholder_with_default(false, tf::TensorShape::scalar());
  auto y = tf::where(flag, tf::constant(1.0), tf::constant(2.0));
  tf::Session s(g);
  EXPECT_DOUBLE_EQ(s.run(y).item<double>(), 2.0);
  EXPECT_DOUBLE_EQ(s.run(y, {{flag, 1}}).item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(s.run(y, {{flag, 0}}).item<double>(), 2.0);
}

TEST_F(SessionTest, VariablesLiveInTheSession) {
  tf::Variable v(tf::constant(1.0), {.name = "v"});
  auto inc = v.assign_add(1.0);
  tf::Session a(g), b(g);
  a.run(v.initializer());
  b.run(v.initializer());
  a.run(inc);
  a.run(inc);
  EXPECT_DOUBLE_EQ(a.run(v.value()).item<double>(), 3.0);
  EXPECT_DOUBLE_EQ(b.run(v.value()).item<double>(), 1.0);
}

TEST_F(SessionTest, FetchedValuesDoNotChangeAfterLaterRuns) {
  tf::Variable v(tf::constant(np::Array({1.f, 2.f})), {.name = "v"});
  auto inc = v.assign_add(np::Array({1.f, 1.f}));
  auto doubled = v.value() * 2.0;
  tf::Session s(g);
  s.run(v.initializer());
  np::Array before = s.run(v.value());
  np::Array d1 = s.run(doubled);
  s.run(inc);
  np::Array d2 = s.run(doubled);
  EXPECT_FLOAT_EQ(before.at<float>(0), 1.f);
  EXPECT_FLOAT_EQ(d1.at<float>(0), 2.f);
  EXPECT_FLOAT_EQ(d2.at<float>(0), 4.f);
}

TEST_F(SessionTest, DefaultSessionForEvalAndRun) {
  tf::Variable v(tf::constant(5.0, tf::float64), {.name = "v"});
  auto x = tf::placeholder(tf::float64, tf::TensorShape::scalar());
  tf::Session s(g);
  auto as_default = s.as_default();
  v.initializer().run();
  EXPECT_DOUBLE_EQ((v.value() + x).eval({{x, 2.0}}).item<double>(), 7.0);
  EXPECT_DOUBLE_EQ(v.eval().item<double>(), 5.0);
}

TEST_F(SessionTest, ControlDependenciesRunFirst) {
  tf::Variable v(tf::constant(0.0), {.name = "v"});
  auto inc = v.assign_add(1.0);
  tf::Tensor read;
  {
    tf::control_dependencies d({inc.op()});
    read = tf::identity(v.value());
  }
  tf::Session s(g);
  s.run(v.initializer());
  EXPECT_DOUBLE_EQ(s.run(read).item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(s.run(read).item<double>(), 2.0);
}

TEST_F(SessionTest, TrainingStepAllocatesNoBuffersInSteadyState) {
  auto x = tf::placeholder(tf::float32, {-1, 8});
  auto y = tf::placeholder(tf::float32, {-1, 3});
  tf::Variable w(tf::constant(np::full({8, 3}, 0.1)), {.name = "w"});
  tf::Variable b(tf::constant(np::zeros({3})), {.name = "b"});
  auto pred = tf::matmul(x, w) + b.value();
  auto loss = tf::reduce_mean(tf::square(pred - y));
  auto step = tf::train::GradientDescentOptimizer(0.1).minimize(loss);
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  np::Array bx = np::full({16, 8}, 0.5), by = np::ones({16, 3});
  tf::FeedDict feeds{{x, bx}, {y, by}};
  for (int i = 0; i < 3; ++i) s.run(std::vector<tf::Tensor>{loss}, feeds, {step});
  const uint64_t before = np::Storage::allocation_count();
  double last = 0;
  for (int i = 0; i < 20; ++i) last = s.run(std::vector<tf::Tensor>{loss}, feeds, {step})[0].item<double>();
  EXPECT_EQ(np::Storage::allocation_count(), before);
  EXPECT_LT(last, 0.05);
}

TEST_F(SessionTest, ClosedSessionRefusesToRun) {
  auto c = tf::constant(1.0);
  tf::Session s(g);
  s.close();
  EXPECT_THROW(s.run(c), keraspp::ValueError);
}

}  // namespace

namespace {

TEST(SessionProfile, ReportsTimePerOpType) {
  tf::Graph g;
  auto guard = g.as_default();
  auto x = tf::placeholder(tf::float32, {2, 2});
  auto y = tf::matmul(x, x);
  tf::Session s(g);
  s.run(y, {{x, np::ones({2, 2})}});
  EXPECT_EQ(s.profile_report().find("MatMul"), std::string::npos);  // off by default
  s.set_profiling(true);
  s.run(y, {{x, np::ones({2, 2})}});
  s.run(y, {{x, np::ones({2, 2})}});
  const std::string report = s.profile_report();
  EXPECT_EQ(report.rfind("op ", 0), 0u) << report;
  const auto row = report.find("MatMul");
  ASSERT_NE(row, std::string::npos) << report;
  EXPECT_NE(report.find(" 2 ", row), std::string::npos) << "two calls: " << report;
}

}  // namespace
