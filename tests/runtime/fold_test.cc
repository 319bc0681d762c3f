// Plans specialised on scalar bool feeds (src/runtime/fold.h): a Select on
// the learning phase runs only the branch it takes, its gradient neither
// builds nor sums zero buffers, and results equal the unfolded graph's.
#include <gtest/gtest.h>

#include "keraspp/tf.h"

namespace {

class FoldTest : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
  // The learning phase as Keras builds it: false unless fed.
  tf::Tensor phase = tf::placeholder_with_default(false, tf::TensorShape({}), "learning_phase");
  tf::Tensor x = tf::placeholder(tf::float32, {2, 3}, "x");
  np::Array x_value = np::Array::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
};

bool ran(const tf::Session& s, const std::string& op) {
  return s.profile_report().find("\n" + op + " ") != std::string::npos;
}

TEST_F(FoldTest, UnfedLearningPhaseSkipsTheTrainingBranch) {
  auto noisy = x + tf::random_uniform(tf::shape(x));
  auto y = tf::where(phase, noisy, x * 2.0);
  tf::Session s(g);
  s.set_profiling(true);
  np::Array out = s.run(y, {{x, x_value}});
  EXPECT_FLOAT_EQ(out.at<float>(1, 2), 12.f);
  EXPECT_FALSE(ran(s, "RandomUniform")) << s.profile_report();
  EXPECT_FALSE(ran(s, "Select")) << s.profile_report();
}

TEST_F(FoldTest, FedPhaseSelectsItsBranchWithOnePlanPerValue) {
  auto y = tf::where(phase, x + 1.0, x * 2.0);
  tf::Session s(g);
  EXPECT_FLOAT_EQ(s.run(y, {{x, x_value}, {phase, 1}}).at<float>(0, 0), 2.f);
  EXPECT_FLOAT_EQ(s.run(y, {{x, x_value}, {phase, 0}}).at<float>(0, 0), 2.f * 1.f);
  EXPECT_FLOAT_EQ(s.run(y, {{x, x_value}, {phase, 1}}).at<float>(1, 2), 7.f);
  EXPECT_FLOAT_EQ(s.run(y, {{x, x_value}, {phase, np::Array::scalar(false)}}).at<float>(1, 2), 12.f);
  EXPECT_EQ(s.num_cached_plans(), 2u);
}

TEST_F(FoldTest, GradientThroughAFoldedSelectBuildsNoZeros) {
  auto w = tf::Variable(np::Array::from_vector<float>({0.5f, -1.f, 2.f}, {3}), {.name = "w"});
  auto train = x * w.value() * 3.0;
  auto y = tf::reduce_sum(tf::where(phase, train, x * w.value()));
  auto grad = tf::gradients(y, {w.value()})[0];
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  s.set_profiling(true);
  np::Array g_train = s.run(grad, {{x, x_value}, {phase, 1}});
  np::Array g_test = s.run(grad, {{x, x_value}, {phase, 0}});
  for (int j = 0; j < 3; ++j) {
    const float col = x_value.at<float>(0, j) + x_value.at<float>(1, j);
    EXPECT_FLOAT_EQ(g_train.at<float>(j), 3.f * col);
    EXPECT_FLOAT_EQ(g_test.at<float>(j), col);
  }
  EXPECT_FALSE(ran(s, "ZerosLike")) << s.profile_report();
  EXPECT_FALSE(ran(s, "Select")) << s.profile_report();
}

TEST_F(FoldTest, NonScalarOrUnknownConditionsStillRunSelect) {
  auto c = tf::placeholder(tf::bool_, {2, 3}, "c");
  auto y = tf::where(c, x, x * -1.0);
  tf::Session s(g);
  s.set_profiling(true);
  np::Array cond = np::Array::empty({2, 3}, np::bool_);
  for (int64_t i = 0; i < 6; ++i) cond.set_flat(i, i % 2 == 0);
  np::Array out = s.run(y, {{x, x_value}, {c, cond}});
  EXPECT_FLOAT_EQ(out.at<float>(0, 0), 1.f);
  EXPECT_FLOAT_EQ(out.at<float>(0, 1), -2.f);
  EXPECT_TRUE(ran(s, "Select")) << s.profile_report();
}

TEST_F(FoldTest, FetchingAFoldedSelectOfAFeedReturnsACopy) {
  auto y = tf::where(phase, x, x * 2.0);
  tf::Session s(g);
  np::Array out = s.run(y, {{x, x_value}, {phase, true}});
  x_value.at<float>(0, 0) = 100.f;
  EXPECT_FLOAT_EQ(out.at<float>(0, 0), 1.f);
}

}  // namespace
