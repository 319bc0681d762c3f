// keras::backend: uids, clear_session, learning phase, session and variables,
// configuration, and the tensor functions layers use.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace K = keras::backend;

namespace {

class BackendTest : public ::testing::Test {
 protected:
  void SetUp() override { K::clear_session(); }
  void TearDown() override { K::clear_session(); }
};

TEST_F(BackendTest, UidsCountPerPrefixFromOne) {
  EXPECT_EQ(K::get_uid("dense"), 1);
  EXPECT_EQ(K::get_uid("dense"), 2);
  EXPECT_EQ(K::get_uid("dropout"), 1);
  EXPECT_EQ(K::get_uid("dense"), 3);
  K::reset_uids();
  EXPECT_EQ(K::get_uid("dense"), 1);
}

TEST_F(BackendTest, UidsArePerGraph) {
  EXPECT_EQ(K::get_uid("x"), 1);
  tf::Graph g;
  {
    auto guard = g.as_default();
    EXPECT_EQ(K::get_uid("x"), 1);
    EXPECT_EQ(K::get_uid("x"), 2);
  }
  EXPECT_EQ(K::get_uid("x"), 2);
}

TEST_F(BackendTest, ClearSessionResetsGraphAndCounters) {
  tf::Graph before = tf::get_default_graph();
  EXPECT_EQ(K::get_uid("dense"), 1);
  K::clear_session();
  EXPECT_NE(tf::get_default_graph(), before);
  EXPECT_EQ(K::get_uid("dense"), 1);
  // The new graph starts with the learning-phase placeholder.
  EXPECT_EQ(tf::get_default_graph().get_operation_by_name("keras_learning_phase").type(),
            "PlaceholderWithDefault");
}

TEST_F(BackendTest, LearningPhaseIsABoolPlaceholderDefaultingToFalse) {
  tf::Tensor lp = K::learning_phase();
  EXPECT_EQ(lp.name(), "keras_learning_phase:0");
  EXPECT_EQ(lp.dtype(), tf::bool_);
  EXPECT_EQ(lp.shape(), tf::TensorShape::scalar());
  EXPECT_EQ(lp.op().type(), "PlaceholderWithDefault");
  EXPECT_EQ(K::learning_phase(), lp);  // one per graph
  tf::Session sess;
  EXPECT_FALSE(sess.run(lp).item<bool>());
  EXPECT_TRUE(sess.run(lp, {{lp, 1}}).item<bool>());
}

TEST_F(BackendTest, LearningPhaseIsCreatedAtTheRootScope) {
  tf::Tensor lp;
  {
    tf::name_scope s("mlp_model");
    lp = K::learning_phase();
  }
  EXPECT_EQ(lp.name(), "keras_learning_phase:0");
}

TEST_F(BackendTest, SetLearningPhaseFixesTheBranch) {
  EXPECT_THROW(K::set_learning_phase(2), keraspp::ValueError);
  try {
    K::set_learning_phase(2);
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(), "Expected learning phase to be 0 or 1.");
  }
  tf::Tensor x = tf::constant(np::Array({1.f, 2.f}));
  tf::Tensor y = tf::constant(np::Array({3.f, 4.f}));
  K::set_learning_phase(1);
  EXPECT_EQ(K::learning_phase_value(), 1);
  EXPECT_EQ(K::in_train_phase(x, y), x);
  K::set_learning_phase(0);
  EXPECT_EQ(K::in_train_phase(x, y), y);
  tf::Session sess;
  EXPECT_FALSE(sess.run(K::learning_phase()).item<bool>());
}

TEST_F(BackendTest, InTrainPhaseSelectsByTheFedPhase) {
  tf::Tensor x = tf::constant(np::Array({1.f, 2.f}));
  tf::Tensor alt = tf::constant(np::Array({3.f, 4.f}));
  int built_alt = 0;
  tf::Tensor out = K::in_train_phase(x, [&] { ++built_alt; return alt; });
  EXPECT_EQ(built_alt, 1);
  EXPECT_TRUE(K::uses_learning_phase(out));
  tf::Session sess;
  EXPECT_TRUE(np::array_equal(sess.run(out), np::Array({3.f, 4.f})));
  EXPECT_TRUE(np::array_equal(sess.run(out, {{K::learning_phase(), 1}}), np::Array({1.f, 2.f})));
  EXPECT_TRUE(np::array_equal(sess.run(out, {{K::learning_phase(), 0}}), np::Array({3.f, 4.f})));
  // An explicit training flag chooses while building.
  EXPECT_EQ(K::in_train_phase(x, alt, true), x);
  EXPECT_EQ(K::in_test_phase(x, alt, true), alt);
}

TEST_F(BackendTest, ConfigurationDefaults) {
  EXPECT_DOUBLE_EQ(K::epsilon(), 1e-7);
  EXPECT_EQ(K::floatx(), "float32");
  EXPECT_EQ(K::image_data_format(), "channels_last");
  EXPECT_EQ(K::backend(), "tensorflow");
  K::set_epsilon(1e-5);
  EXPECT_DOUBLE_EQ(K::epsilon(), 1e-5);
  K::set_epsilon(1e-7);
  try {
    K::set_floatx("float8");
    FAIL();
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(), "Unknown floatx type: float8");
  }
  EXPECT_EQ(K::dtype_from_string(""), tf::float32);
  EXPECT_EQ(K::dtype_from_string("int64"), tf::int64);
}

TEST_F(BackendTest, VariableIsATfVariableUnderTheNameScope) {
  tf::Variable v;
  {
    tf::name_scope s("outer");
    v = K::variable(np::Array({1.f, 2.f, 3.f}), "", "w");
  }
  EXPECT_EQ(v.name(), "outer/w:0");
  EXPECT_EQ(v.dtype(), tf::float32);
  EXPECT_EQ(K::variable(2.0).name(), "Variable:0");
  EXPECT_EQ(K::count_params(v), 3);
  EXPECT_EQ(K::zeros({2, 3}).shape(), tf::TensorShape({2, 3}));
}

TEST_F(BackendTest, GetSessionInitializesNewVariablesOnly) {
  tf::Variable v = K::variable(np::Array({1.f, 2.f}), "", "v");
  EXPECT_TRUE(np::array_equal(K::get_value(v), np::Array({1.f, 2.f})));
  K::set_value(v, np::Array({5.f, 6.f}));
  // A later variable is initialized without re-initializing `v`.
  tf::Variable w = K::variable(np::Array({7.f}), "", "w");
  EXPECT_TRUE(np::array_equal(K::get_value(w), np::Array({7.f})));
  EXPECT_TRUE(np::array_equal(K::get_value(v), np::Array({5.f, 6.f})));
  const int ops = tf::get_default_graph().num_ops();
  K::set_value(v, np::Array({1.f, 1.f}));
  K::batch_set_value({{v, np::Array({3.f, 4.f})}, {w, np::Array({8.f})}});
  EXPECT_EQ(tf::get_default_graph().num_ops(), ops);  // assignments add no ops
  auto values = K::batch_get_value({v, w});
  EXPECT_TRUE(np::array_equal(values[0], np::Array({3.f, 4.f})));
  EXPECT_TRUE(np::array_equal(values[1], np::Array({8.f})));
  EXPECT_THROW(K::set_value(v, np::Array({1.f, 2.f, 3.f})), keraspp::ValueError);
}

TEST_F(BackendTest, GetSessionUsesTheDefaultSession) {
  tf::Session mine;
  auto guard = mine.as_default();
  tf::Variable v = K::variable(np::Array({4.f}), "", "v");
  K::get_session();
  EXPECT_TRUE(np::array_equal(mine.run(v.value()), np::Array({4.f})));
}

TEST_F(BackendTest, TensorFunctions) {
  tf::Tensor x = tf::constant(np::Array::from_vector<float>({1, -2, 3, -4, 5, -6}, {2, 3}));
  tf::Session sess;
  auto run = [&](const tf::Tensor& t) { return sess.run(t); };
  EXPECT_TRUE(np::array_equal(run(K::relu(x)), np::Array::from_vector<float>({1, 0, 3, 0, 5, 0}, {2, 3})));
  EXPECT_TRUE(np::allclose(run(K::relu(x, 0.5)),
                           np::Array::from_vector<float>({1, -1, 3, -2, 5, -3}, {2, 3})));
  EXPECT_TRUE(np::allclose(run(K::relu(x, 0.0, 2.0)),
                           np::Array::from_vector<float>({1, 0, 2, 0, 2, 0}, {2, 3})));
  EXPECT_TRUE(np::allclose(run(K::hard_sigmoid(x)),
                           np::Array::from_vector<float>({.7f, .1f, 1, 0, 1, 0}, {2, 3})));
  EXPECT_TRUE(np::array_equal(run(K::max(x, 1)), np::Array({3.f, 5.f})));
  EXPECT_TRUE(np::array_equal(run(K::min(x, 1)), np::Array({-2.f, -6.f})));
  EXPECT_TRUE(np::array_equal(run(K::sum(x, 0, true)), np::Array::from_vector<float>({-3, 3, -3}, {1, 3})));
  EXPECT_TRUE(np::array_equal(run(K::transpose(x)),
                              np::Array::from_vector<float>({1, -4, -2, 5, 3, -6}, {3, 2})));
  EXPECT_TRUE(np::array_equal(run(K::permute_dimensions(x, {1, 0})), run(K::transpose(x))));
  EXPECT_TRUE(np::array_equal(run(K::cast(K::any(K::greater(x, 4.0), 1), "float32")),
                              np::Array({0.f, 1.f})));
  EXPECT_TRUE(np::array_equal(run(K::cast(K::all(K::greater(x, -5.0), 1), "float32")),
                              np::Array({1.f, 0.f})));
  EXPECT_TRUE(np::array_equal(run(K::repeat(x, 2)),
                              np::Array::from_vector<float>({1, -2, 3, 1, -2, 3, -4, 5, -6, -4, 5, -6}, {2, 2, 3})));
  EXPECT_EQ(K::repeat(x, 4).shape(), tf::TensorShape({2, 4, 3}));
  EXPECT_EQ(K::batch_flatten(K::repeat(x, 4)).shape(), tf::TensorShape({2, 12}));
  EXPECT_EQ(K::expand_dims(x, 1).shape(), tf::TensorShape({2, 1, 3}));
  np::Array n = run(K::l2_normalize(x, 1));
  EXPECT_NEAR(n.at<float>(0, 0), 1 / std::sqrt(14.0), 1e-6);
  EXPECT_TRUE(np::allclose(run(K::sqrt(tf::constant(np::Array({4.f, -1.f})))), np::Array({2.f, 0.f})));
  // dot folds the leading axes of an n-d x.
  tf::Tensor w = tf::constant(np::Array::from_vector<float>({1, 0, 0, 1, 1, 1}, {3, 2}));
  tf::Tensor d = K::dot(K::repeat(x, 2), w);
  EXPECT_EQ(d.shape(), tf::TensorShape({2, 2, 2}));
  EXPECT_TRUE(np::allclose(run(d), np::Array::from_vector<float>({4, 1, 4, 1, -10, -1, -10, -1}, {2, 2, 2})));
}

TEST_F(BackendTest, DropoutScalesKeptUnits) {
  tf::Tensor x = tf::ones({1000}, tf::float32);
  tf::Tensor y = K::dropout(x, 0.25);
  tf::Session sess;
  np::Array v = sess.run(y);
  int kept = 0;
  for (int64_t i = 0; i < v.size(); ++i) {
    const double e = v.get_flat(i);
    EXPECT_TRUE(e == 0.0 || std::abs(e - 1 / 0.75) < 1e-6);
    kept += e != 0.0;
  }
  EXPECT_GT(kept, 650);
  EXPECT_LT(kept, 850);
  EXPECT_THROW(K::dropout(x, 1.0), keraspp::ValueError);
}

TEST_F(BackendTest, RandomSeedsComeFromNumpy) {
  np::random::seed(1337);
  tf::Tensor a = K::random_uniform({4});
  np::random::seed(1337);
  tf::Tensor b = K::random_uniform({4});
  tf::Session sess;
  auto r = sess.run({a, b});
  EXPECT_TRUE(np::array_equal(r[0], r[1]));
}

}  // namespace
