// minimize / apply_gradients / training op errors with TF 1.x's classes and
// wording, and the global step helpers.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;

class Train : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
};

TEST_F(Train, NoVariablesToOptimize) {
  tf::Tensor x = tf::placeholder(tf::float32, {2});
  tf::Tensor loss = tf::reduce_sum(x);
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { tf::train::GradientDescentOptimizer(0.1).minimize(loss); }),
            "No variables to optimize.");
  tf::Variable frozen(np::Array({1.f}), {.trainable = false, .name = "frozen"});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::train::AdamOptimizer().minimize(loss); }),
            "No variables to optimize.");
}

TEST_F(Train, NoGradientPath) {
  tf::Variable w(np::Array({1.f, 2.f}), {.name = "w"});
  tf::Variable b(np::Array({0.f}), {.name = "b"});
  tf::Tensor x = tf::placeholder(tf::float32, {2});
  tf::Tensor loss = tf::reduce_sum(x * tf::stop_gradient(w.value()));
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::train::AdagradOptimizer(0.1).minimize(loss); }),
            "No gradients provided for any variable, check your graph for ops that do not support "
            "gradients, between variables [\"<tf.Variable 'w:0' shape=(2,) dtype=float32_ref>\", "
            "\"<tf.Variable 'b:0' shape=(1,) dtype=float32_ref>\"] and loss "
            "Tensor(\"Sum:0\", shape=(), dtype=float32).");
  // Nothing was created by the failed call.
  EXPECT_EQ(tf::global_variables().size(), 2u);
}

TEST_F(Train, ApplyGradientsWithoutGradients) {
  tf::Variable w(np::Array({1.f, 2.f}), {.name = "w"});
  tf::train::MomentumOptimizer opt(0.1, 0.9);
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { opt.apply_gradients({{tf::Tensor(), w}}); }),
            "No gradients provided for any variable: [\"<tf.Variable 'w:0' shape=(2,) "
            "dtype=float32_ref>\"].");
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { opt.apply_gradients({}); }),
            "No variables provided.");
}

TEST_F(Train, ComputeGradientsSkipsUnreachedVariables) {
  tf::Variable w(np::Array({1.f, 2.f}), {.name = "w"});
  tf::Variable unused(np::Array({3.f}), {.name = "unused"});
  tf::train::AdamOptimizer opt;
  auto gv = opt.compute_gradients(tf::reduce_sum(w.value() * 3.0));
  ASSERT_EQ(gv.size(), 2u);
  EXPECT_TRUE(gv[0].first);
  EXPECT_FALSE(gv[1].first);
  opt.apply_gradients(gv);
  // Only the variable with a gradient gets slots.
  EXPECT_TRUE(opt.get_slot(w, "m"));
  EXPECT_FALSE(opt.get_slot(unused, "m"));
  EXPECT_EQ(tf::global_variables().size(), 6u);
}

TEST_F(Train, IntegerLossIsInvalid) {
  tf::Variable w(np::Array({1.f}), {.name = "w"});
  tf::Tensor loss = tf::cast(tf::reduce_sum(w.value()), tf::int32);
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { tf::train::GradientDescentOptimizer(0.1).minimize(loss); }),
            "Invalid type tf.int32 for Cast:0, expected: [tf.float32, tf.float64].");
}

TEST_F(Train, AdagradInitialAccumulatorMustBePositive) {
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { tf::train::AdagradOptimizer(0.1, {.initial_accumulator_value = 0.0}); }),
            "initial_accumulator_value must be positive: 0.0");
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { tf::train::AdagradOptimizer(0.1, {.initial_accumulator_value = -0.5}); }),
            "initial_accumulator_value must be positive: -0.5");
}

TEST_F(Train, UninitializedSlotFailsAtRunTime) {
  tf::Variable w(np::Array({1.f, 2.f}), {.name = "w"});
  tf::Operation step = tf::train::AdamOptimizer().minimize(tf::reduce_sum(w.value()));
  tf::Session s(g);
  s.run(w.initializer());
  const std::string msg =
      message_of<tf::errors::FailedPreconditionError>([&] { s.run(step); });
  EXPECT_NE(msg.find("Attempting to use uninitialized value"), std::string::npos) << msg;
}

TEST_F(Train, TrainingOpsNeedVariables) {
  tf::Tensor x = tf::placeholder(tf::float32, {2});
  tf::Variable m(np::Array({0.f, 0.f}), {.name = "m"});
  tf::Tensor c = tf::constant(0.1);
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { tf::apply_adagrad(x, m.ref(), c, x); }),
            "'ApplyAdagrad' Op requires that input 'var' be a mutable tensor (e.g.: a "
            "tf.Variable), got Placeholder:0");
  tf::Variable v(np::Array({0.f, 0.f}), {.name = "v"});
  EXPECT_EQ(message_of<keraspp::TypeError>([&] {
              tf::apply_adam(v.ref(), m.ref(), m.value(), c, c, c, c, c, c, x);
            }),
            "'ApplyAdam' Op requires that input 'v' be a mutable tensor (e.g.: a tf.Variable), "
            "got m/read:0");
}

TEST_F(Train, TrainingOpShapeChecks) {
  tf::Variable w(np::Array({1.f, 2.f}), {.name = "w"});
  tf::Variable acc(np::Array({1.f, 2.f, 3.f}), {.name = "acc"});
  tf::Tensor c = tf::constant(0.1);
  EXPECT_EQ(message_of<keraspp::ValueError>(
                [&] { tf::apply_adagrad(w.ref(), acc.ref(), c, tf::constant(np::Array({1.f, 2.f}))); }),
            "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and [3]. "
            "for 'ApplyAdagrad' (op: 'ApplyAdagrad') with input shapes: [2], [3], [], [2].");
  tf::Variable acc2(np::Array({1.f, 2.f}), {.name = "acc2"});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] {
              tf::apply_adagrad(w.ref(), acc2.ref(), tf::constant(np::Array({1.f, 2.f})),
                                tf::constant(np::Array({1.f, 2.f})));
            }),
            "Shape must be rank 0 but is rank 1 for 'ApplyAdagrad_1' (op: 'ApplyAdagrad') with "
            "input shapes: [2], [2], [2], [2].");
}

TEST_F(Train, GlobalStep) {
  EXPECT_FALSE(tf::train::get_global_step());
  tf::Variable step = tf::train::get_or_create_global_step();
  EXPECT_EQ(step.name(), "global_step:0");
  EXPECT_EQ(step.dtype(), tf::int64);
  EXPECT_EQ(step.shape(), tf::TensorShape::scalar());
  EXPECT_FALSE(step.trainable());
  EXPECT_EQ(tf::get_collection_variables(tf::GraphKeys::GLOBAL_STEP),
            std::vector<tf::Variable>{step});
  EXPECT_EQ(tf::global_variables(), std::vector<tf::Variable>{step});
  EXPECT_TRUE(tf::trainable_variables().empty());
  EXPECT_EQ(*tf::train::get_global_step(), step);
  EXPECT_EQ(tf::train::get_or_create_global_step(), step);
  EXPECT_EQ(message_of<keraspp::ValueError>([] { tf::train::create_global_step(); }),
            "\"global_step\" already exists.");
}

TEST_F(Train, GlobalStepIsCreatedAtTheRootScope) {
  tf::name_scope s("model");
  EXPECT_EQ(tf::train::create_global_step().name(), "global_step:0");
}

TEST_F(Train, GlobalStepOfAnotherGraph) {
  tf::Graph other;
  tf::Variable step = tf::train::create_global_step(other);
  EXPECT_EQ(step.graph(), other);
  EXPECT_FALSE(tf::train::get_global_step());
  EXPECT_EQ(*tf::train::get_global_step(other), step);
}

TEST_F(Train, NonIntegerGlobalStep) {
  tf::Variable step(np::Array::scalar(0.0f), {.trainable = false, .name = "global_step"});
  EXPECT_EQ(message_of<keraspp::TypeError>([] { tf::train::get_global_step(); }),
            "Existing \"global_step\" does not have integer type: <dtype: 'float32_ref'>");
}

TEST_F(Train, MinimizeIncrementsGlobalStepAfterTheUpdates) {
  tf::Variable w(np::Array({1.f, 2.f}), {.name = "w"});
  tf::Variable step = tf::train::get_or_create_global_step();
  tf::Operation train_op = tf::train::AdamOptimizer(0.1).minimize(
      tf::reduce_sum(tf::square(w.value())), {.global_step = step});
  EXPECT_EQ(train_op.name(), "Adam");
  EXPECT_EQ(train_op.type(), "AssignAdd");
  // TF records the train op in the TRAIN_OP collection.
  const auto train_ops = g.get_collection_operations(tf::GraphKeys::TRAIN_OP);
  ASSERT_EQ(train_ops.size(), 1u);
  EXPECT_EQ(train_ops[0], train_op);
  // The increment waits for the grouped updates ("Adam/update").
  ASSERT_EQ(train_op.control_inputs().size(), 1u);
  const tf::Operation update = train_op.control_inputs()[0];
  EXPECT_EQ(update.name(), "Adam/update");
  std::vector<std::string> deps;
  for (const auto& op : update.control_inputs()) deps.push_back(op.name());
  EXPECT_EQ(deps, (std::vector<std::string>{"Adam/update_w/ApplyAdam", "Adam/Assign",
                                            "Adam/Assign_1"}));
  tf::Session s(g);
  s.run(tf::global_variables_initializer());
  for (int i = 0; i < 3; ++i) s.run(train_op);
  EXPECT_EQ(s.run(step.value()).item<int64_t>(), 3);
  // The global step is neither trained nor given slots.
  EXPECT_EQ(tf::global_variables().size(), 6u);
}

}  // namespace
