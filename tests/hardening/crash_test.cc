// Regression tests for inputs that used to crash the process (issue 16):
// each now raises TF's or Keras's error, naming what was wrong.
#include <climits>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <thread>

#include "support/expect_error.h"
#include <gtest/gtest.h>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;

class Crash : public ::testing::Test {
 protected:
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};
};

// TF's integer division kernels check the divisor ("Integer division by
// zero"); INT_MIN / -1 is the other quotient x86 traps on.
TEST_F(Crash, IntegerDivisionByZero) {
  auto x = tf::placeholder(tf::int32, {3});
  auto y = tf::placeholder(tf::int32, {3});
  auto z = tf::divide(x, y);
  tf::Session s(g);
  np::Array a = np::Array::from_vector<int32_t>({6, 7, 8}, {3});
  np::Array zero = np::Array::from_vector<int32_t>({1, 0, 2}, {3});
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>([&] { s.run(z, {{x, a}, {y, zero}}); }),
            "Integer division by zero");
  np::Array ok = np::Array::from_vector<int32_t>({2, -7, 3}, {3});
  EXPECT_EQ(s.run(z, {{x, a}, {y, ok}}).to_vector<int32_t>(), (std::vector<int32_t>{3, -1, 2}));
}

TEST_F(Crash, IntegerDivisionOverflow) {
  auto x = tf::placeholder(tf::int32, {1});
  auto x64 = tf::placeholder(tf::int64, {1});
  tf::Session s(g);
  np::Array min32 = np::Array::from_vector<int32_t>({INT32_MIN}, {1});
  np::Array min64 = np::Array::from_vector<int64_t>({INT64_MIN}, {1});
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>([&] { s.run(tf::divide(x, -1), {{x, min32}}); }),
            "Integer division overflow: the quotient of the most negative value by -1 is not "
            "representable, in 'RealDiv'");
  EXPECT_EQ(message_of<tf::errors::InvalidArgumentError>(
                [&] { s.run(tf::divide(x64, tf::constant(np::Array::from_vector<int64_t>({0}, {1}))), {{x64, min64}}); }),
            "Integer division by zero");
}

// Byte counts past 2^64 wrapped to a small allocation that the kernel then
// overran; they now fail before allocating.
TEST_F(Crash, ShapeWhoseSizeOverflows) {
  const int64_t big = int64_t{1} << 40;
  EXPECT_THROW(tf::zeros({big, big, big}), keraspp::ValueError);
  auto dims = tf::placeholder(tf::int64, {3});
  auto filled = tf::fill(dims, 1.0f);
  auto uniform = tf::random_uniform(dims);
  tf::Session s(g);
  np::Array huge = np::Array::from_vector<int64_t>({big, big, big}, {3});
  EXPECT_THROW(s.run(filled, {{dims, huge}}), tf::errors::InvalidArgumentError);
  EXPECT_THROW(s.run(uniform, {{dims, huge}}), tf::errors::InvalidArgumentError);
}

TEST_F(Crash, ReshapeToOverflowingShape) {
  auto x = tf::placeholder(tf::float32, {4});
  const int64_t big = int64_t{1} << 40;
  EXPECT_THROW(tf::reshape(x, std::vector<int64_t>{big, big, big, 0}), keraspp::ValueError);
  auto dims = tf::placeholder(tf::int64, {4});
  auto r = tf::reshape(x, dims);
  tf::Session s(g);
  np::Array huge = np::Array::from_vector<int64_t>({big, big, big, 0}, {4});
  EXPECT_THROW(s.run(r, {{x, np::zeros({4})}, {dims, huge}}), tf::errors::InvalidArgumentError);
}

TEST_F(Crash, ConcatOfUnknownRankPastTheFedRank) {
  auto a = tf::placeholder(tf::float32);
  auto b = tf::placeholder(tf::float32);
  auto c = tf::concat({a, b}, 3);
  tf::Session s(g);
  EXPECT_THROW(s.run(c, {{a, np::zeros({2, 2})}, {b, np::zeros({2, 2})}}),
               tf::errors::InvalidArgumentError);
}

TEST_F(Crash, TensorWithOutOfRangeNodeId) {
  auto x = tf::constant(1.0f);
  tf::Tensor forged(x.graph_data(), 1000, 0);
  tf::Operation forged_op(x.graph_data(), -5);
  tf::Session s(g);
  EXPECT_THROW(s.run(forged), keraspp::ValueError);
  EXPECT_THROW(s.run(forged_op), keraspp::ValueError);
  EXPECT_THROW(s.run(tf::Tensor(x.graph_data(), x.node_id(), 7)), keraspp::ValueError);
}

TEST_F(Crash, DefaultConstructedHandles) {
  auto x = tf::constant(1.0f);
  tf::Tensor t;
  tf::Operation op;
  tf::Variable v;
  tf::Session s(g);
  EXPECT_THROW(tf::add(t, x), keraspp::ValueError);
  EXPECT_THROW(tf::add(x, t), keraspp::ValueError);
  EXPECT_THROW(t.shape(), keraspp::ValueError);
  EXPECT_THROW(t.dtype(), keraspp::ValueError);
  EXPECT_THROW(t.name(), keraspp::ValueError);
  EXPECT_THROW(t.op(), keraspp::ValueError);
  EXPECT_THROW(op.name(), keraspp::ValueError);
  EXPECT_THROW(op.type(), keraspp::ValueError);
  EXPECT_THROW(op.inputs(), keraspp::ValueError);
  // Running None is TF's TypeError ("Fetch argument None has invalid type").
  EXPECT_THROW(s.run(t), keraspp::TypeError);
  EXPECT_THROW(s.run(op), keraspp::TypeError);
  EXPECT_THROW(s.run(std::vector<tf::Tensor>{x}, {{t, 1.0f}}), keraspp::TypeError);
  EXPECT_THROW(v.value(), keraspp::ValueError);
  EXPECT_THROW(v.name(), keraspp::ValueError);
  EXPECT_THROW(v.initializer(), keraspp::ValueError);
  EXPECT_THROW(v.assign(1.0f), keraspp::ValueError);
  EXPECT_THROW(tf::add(v, x), keraspp::ValueError);
  EXPECT_THROW(s.run(v), keraspp::ValueError);
}

// A fed number is converted to the placeholder's dtype; NaN, inf and values
// outside an integer dtype's range have no such value (casting them was
// undefined behaviour): TypeError. A float array is a dtype mismatch.
TEST_F(Crash, NaNFedToAnIntegerPlaceholder) {
  auto x = tf::placeholder(tf::int32, {});
  auto v = tf::placeholder(tf::int32, {2});
  tf::Session s(g);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(message_of<keraspp::TypeError>([&] { s.run(x * 2, {{x, nan}}); }),
            "Cannot convert nan to dtype int32 for Tensor 'Placeholder:0'");
  EXPECT_THROW(s.run(x * 2, {{x, 1e10}}), keraspp::TypeError);
  EXPECT_THROW(s.run(x * 2, {{x, std::numeric_limits<double>::infinity()}}), keraspp::TypeError);
  EXPECT_THROW(s.run(v * 2, {{v, np::Array::from_vector<float>({1, nan}, {2})}}), keraspp::TypeError);
  EXPECT_EQ(s.run(x * 2, {{x, 21.0}}).to_vector<int32_t>()[0], 42);
}

// TF 1.x keeps the default-graph stack per thread: two threads building in
// their default graphs build two graphs, neither sees the other's ops.
TEST(CrashThreads, TwoThreadsBuildInTheirDefaultGraphs) {
  std::vector<int> counts(2);
  std::vector<std::string> names(2);
  auto build = [&](int i) {
    tf::Graph mine;
    tf::Graph::DefaultGuard guard(mine);
    tf::Tensor x = tf::constant(1.0f);
    for (int k = 0; k < 500; ++k) x = tf::add(x, 1.0f);
    counts[i] = tf::get_default_graph().num_ops();
    names[i] = x.name();
    tf::Session s(mine);
    EXPECT_EQ(s.run(x).to_vector<float>()[0], 501.0f);
  };
  std::thread a(build, 0), b(build, 1);
  a.join();
  b.join();
  EXPECT_EQ(counts[0], counts[1]);
  EXPECT_EQ(names[0], names[1]);
}

TEST(CrashThreads, TwoThreadsBuildInTheGlobalDefaultGraph) {
  tf::reset_default_graph();
  auto build = [] {
    for (int k = 0; k < 300; ++k) tf::add(tf::constant(1.0f), 1.0f);
  };
  std::thread a(build), b(build);
  a.join();
  b.join();
  std::set<std::string> names;
  for (const auto& op : tf::get_default_graph().get_operations()) names.insert(op.name());
  EXPECT_EQ(static_cast<int>(names.size()), tf::get_default_graph().num_ops());
  EXPECT_EQ(tf::get_default_graph().num_ops(), 2 * 300 * 3);
}

}  // namespace
