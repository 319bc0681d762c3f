// Golden tests: error classes and TF's wording for bad graphs and bad feeds.
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include "keraspp/ops/transpose_ops.h"
#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;

class Errors : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
};

TEST_F(Errors, MatMulDimensionMismatch) {
  auto x = tf::placeholder(tf::float32, {-1, 784});
  auto w = tf::placeholder(tf::float32, {512, 10});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::matmul(x, w); }),
            "Dimensions must be equal, but are 784 and 512 for 'MatMul' (op: 'MatMul') with input "
            "shapes: [?,784], [512,10].");
}

TEST_F(Errors, BroadcastMismatchNamesTheOp) {
  auto a = tf::placeholder(tf::float32, {3, 4});
  auto b = tf::placeholder(tf::float32, {5});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::add(a, b); }),
            "Dimensions must be equal, but are 4 and 5 for 'Add' (op: 'Add') with input shapes: "
            "[3,4], [5].");
}

TEST_F(Errors, DtypeMismatch) {
  auto a = tf::placeholder(tf::float32, {3});
  auto b = tf::placeholder(tf::int32, {3});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::add(a, b); }),
            "Input 1 of node Add was passed int32 incompatible with expected float for 'Add' (op: "
            "'Add') with input shapes: [3], [3].");
}

TEST_F(Errors, MissingFeed) {
  auto x = tf::placeholder(tf::float32, {-1, 784});
  tf::Session s(g);
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>([&] { s.run(x * 2.0); }),
            "You must feed a value for placeholder tensor 'Placeholder' with dtype float and shape "
            "[?,784]");
}

TEST_F(Errors, FeedOfWrongShapeOrDtype) {
  auto x = tf::placeholder(tf::float32, {-1, 784});
  auto y = x * 2.0;
  tf::Session s(g);
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { s.run(y, {{x, np::zeros({100, 28})}}); }),
            "Cannot feed value of shape (100, 28) for Tensor 'Placeholder:0', which has shape "
            "'(?, 784)'");
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { s.run(y, {{x, np::zeros({1, 784}, np::float64)}}); }),
            "Cannot feed value of dtype float64 for Tensor 'Placeholder:0', which has dtype float32");
}

TEST_F(Errors, UninitializedVariable) {
  tf::Variable w(tf::zeros({2, 2}), {.name = "w"});
  tf::Session s(g);
  EXPECT_EQ(message_of<tf::errors::FailedPreconditionError>([&] { s.run(w.value() * 2.0); }),
            "Attempting to use uninitialized value w");
  s.run(tf::global_variables_initializer());
  EXPECT_NO_THROW(s.run(w.value() * 2.0));
}

TEST_F(Errors, ReduceAxisOutOfRange) {
  auto x = tf::placeholder(tf::float32, {3, 4});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::reduce_sum(x, 2); }),
            "Invalid reduction dimension: Expected axis in the range [-2, 2), but got 2 for 'Sum' "
            "(op: 'Sum') with input shapes: [3,4].");
  EXPECT_THROW(tf::argmax(x, -3), keraspp::ValueError);
}

TEST_F(Errors, ExpandDimsOutOfRangeWhileBuilding) {
  auto x = tf::placeholder(tf::float32, {2, 3});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::expand_dims(x, 3); }),
            "Tried to expand dim index 3 for tensor with 2 dimensions.");
  EXPECT_EQ(tf::expand_dims(x, -3).shape().str(), "(1, 2, 3)");
}

TEST_F(Errors, ReshapeSizeMismatch) {
  auto x = tf::placeholder(tf::float32, {3, 4});
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { tf::reshape(x, std::vector<int64_t>{5, 2}); }),
            "Cannot reshape a tensor with 12 elements to shape [5,2] (10 elements) for 'Reshape' "
            "(op: 'Reshape') with input shapes: [3,4], [2].");
  // Unknown at graph time: caught at run time with TF's kernel message.
  auto y = tf::placeholder(tf::float32, {-1, 4});
  auto r = tf::reshape(y, std::vector<int64_t>{-1, 3});
  tf::Session s(g);
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>([&] { s.run(r, {{y, np::zeros({1, 4})}}); }),
            "Input to reshape is a tensor with 4 values, but the requested shape has 3 for "
            "'Reshape_1'");
}

TEST_F(Errors, FetchFromAnotherGraph) {
  tf::Graph other;
  tf::Tensor t;
  {
    auto gg = other.as_default();
    t = tf::constant(1.0);
  }
  tf::Session s(g);
  EXPECT_EQ(message_of<keraspp::ValueError>([&] { s.run(t); }),
            "Fetch argument Tensor(\"Const:0\", shape=(), dtype=float32) cannot be interpreted as a "
            "Tensor. (Tensor Tensor(\"Const:0\", shape=(), dtype=float32) is not an element of "
            "this graph.)");
}

TEST_F(Errors, MixingGraphsInOneOp) {
  tf::Graph other;
  tf::Tensor t;
  {
    auto gg = other.as_default();
    t = tf::constant(1.0);
  }
  auto here = tf::constant(2.0);
  EXPECT_THROW(tf::add(here, t), keraspp::ValueError);
}

TEST_F(Errors, EvalWithoutDefaultSession) {
  auto c = tf::constant(1.0);
  EXPECT_THROW(c.eval(), keraspp::ValueError);
}

}  // namespace

namespace {

TEST(AssignErrors, ShapeMismatchUsesTFsMergeText) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Variable v(tf::zeros({3, 4}), {.name = "v"});
  try {
    v.assign(tf::zeros({4, 4}));
    FAIL() << "no error";
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(), "Dimension 0 in both shapes must be equal, but are 3 and 4. Shapes are "
                           "[3,4] and [4,4]. for 'Assign' (op: 'Assign') with input shapes: [3,4], [4,4].");
  }
  EXPECT_THROW(v.assign(tf::zeros({12})), keraspp::ValueError);
}

}  // namespace
