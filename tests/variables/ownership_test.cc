// Graph ownership: a graph, its variables and sessions are freed when the
// last handle goes; what the graph holds (collections, the variable store)
// refers back to it by id only.
#include <gtest/gtest.h>

#include <memory>

#include "keraspp/np.h"
#include "keraspp/tf.h"
#include "support/resident_memory.h"

namespace {

// Builds a graph with one 256x1024 variable (1 MB), a get_variable, a loss in
// a collection and a train op; initializes and trains it once in a session.
// Returns the graph's data, weakly.
std::weak_ptr<tf::GraphData> build_run_drop() {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Variable w(tf::random_normal(std::vector<int64_t>{256, 1024}, {.seed = 1}), {.name = "w"});
  tf::Variable b = tf::get_variable("b", {1024}, {.initializer = tf::zeros_initializer()});
  auto x = tf::placeholder(tf::float32, {-1, 256});
  auto loss = tf::reduce_mean(tf::square(tf::matmul(x, w) + b));
  tf::losses::add_loss(loss);
  auto train = tf::train::GradientDescentOptimizer(0.1).minimize(loss);
  tf::Session sess(g);
  sess.run(tf::global_variables_initializer());
  sess.run(train, {{x, np::ones({2, 256}, tf::float32)}});
  return g.data();
}

TEST(Ownership, GraphWithVariablesAndSessionIsFreedWhenDropped) {
  const std::weak_ptr<tf::GraphData> g = build_run_drop();
  EXPECT_TRUE(g.expired());
}

TEST(Ownership, TwoThousandGraphsKeepResidentMemoryFlat) {
  for (int i = 0; i < 100; ++i) build_run_drop();
  const int64_t after_100 = test_support::resident_bytes();
  for (int i = 100; i < 2000; ++i) build_run_drop();
  const int64_t after_2000 = test_support::resident_bytes();
  EXPECT_LT(after_2000 - after_100, 5 << 20) << after_100 << " -> " << after_2000 << " bytes";
}

TEST(Ownership, ResetDefaultGraphReleasesTheOldGraph) {
  tf::reset_default_graph();
  std::weak_ptr<tf::GraphData> old;
  {
    tf::Variable v(tf::zeros({4, 4}), {.name = "v"});
    old = v.graph().data();
  }
  tf::reset_default_graph();
  EXPECT_TRUE(old.expired());
}

TEST(Ownership, HandlesKeepTheirGraphAlive) {
  tf::reset_default_graph();
  tf::Variable v(tf::ones({2, 2}), {.name = "v"});
  tf::Tensor twice = 2.0 * v;
  tf::reset_default_graph();  // the user's handles still own the old graph
  tf::Session sess(v.graph());
  sess.run(v.initializer());
  EXPECT_EQ(sess.run(twice).get_flat(3), 2.0);
  EXPECT_EQ(v.graph().get_collection_objects(tf::GraphKeys::GLOBAL_VARIABLES).size(), 1u);
}

TEST(Ownership, CollectionsHandOutHandlesOnTheirGraph) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Variable v(tf::zeros({3}), {.name = "v"});
  tf::losses::add_loss(tf::reduce_sum(v));
  const auto losses = g.get_collection_tensors(tf::GraphKeys::LOSSES);
  ASSERT_EQ(losses.size(), 1u);
  EXPECT_EQ(losses[0].name(), "Sum:0");
  EXPECT_EQ(losses[0].graph(), g);
  ASSERT_EQ(tf::global_variables().size(), 1u);
  EXPECT_EQ(tf::global_variables()[0], v);
  EXPECT_EQ(tf::global_variables()[0].name(), "v:0");
}

TEST(Ownership, EmptyHandlesRaiseInsteadOfCrashing) {
  const tf::Tensor none;
  EXPECT_THROW(none.dtype(), keraspp::ValueError);
  EXPECT_THROW(none.shape(), keraspp::ValueError);
  EXPECT_THROW(none.name(), keraspp::ValueError);
  EXPECT_THROW(none.graph(), keraspp::ValueError);
  const tf::Operation no_op;
  EXPECT_THROW(no_op.name(), keraspp::ValueError);
  EXPECT_THROW(no_op.graph(), keraspp::ValueError);
  tf::Graph g;
  const tf::Tensor stray(g.data(), 7, 0);
  EXPECT_THROW(stray.name(), keraspp::ValueError);
}

TEST(VariableAsTensor, OperatorsAndOpsAcceptVariables) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Variable w(np::full({2, 2}, 3.0, tf::float32), {.name = "w"});
  tf::Variable b(np::full({2}, 1.0, tf::float32), {.name = "b"});
  auto x = tf::constant(np::ones({1, 2}, tf::float32));
  const tf::Tensor y = tf::matmul(x, w) + b;  // [1, 2]: 3 + 3 + 1
  const tf::Tensor square = w * w;
  const tf::Tensor scaled = 2.0 * w;
  const tf::Tensor shifted = w - 1.0;
  tf::Session sess(g);
  sess.run(tf::global_variables_initializer());
  EXPECT_EQ(sess.run(y).get_flat(0), 7.0);
  EXPECT_EQ(sess.run(square).get_flat(0), 9.0);
  EXPECT_EQ(sess.run(scaled).get_flat(0), 6.0);
  EXPECT_EQ(sess.run(shifted).get_flat(0), 2.0);
}

TEST(InitScope, ClearsControlDependenciesAndKeepsTheNameScope) {
  tf::Graph g;
  auto guard = g.as_default();
  auto a = tf::constant(1.0, tf::float32, "a");
  tf::control_dependencies deps({a.op()});
  tf::name_scope outer("outer");
  {
    tf::init_scope lifted(g);
    auto c = tf::constant(2.0, tf::float32, "c");
    EXPECT_TRUE(c.op().control_inputs().empty());
    EXPECT_EQ(c.op().name(), "outer/c");
  }
  {
    tf::init_scope lifted(g, /*at_root=*/true);
    EXPECT_EQ(tf::constant(2.0, tf::float32, "c").op().name(), "c");
  }
  {
    tf::control_dependencies none(nullptr);
    EXPECT_TRUE(tf::constant(3.0, tf::float32, "d").op().control_inputs().empty());
  }
  ASSERT_EQ(tf::constant(4.0, tf::float32, "e").op().control_inputs().size(), 1u);
}

}  // namespace
