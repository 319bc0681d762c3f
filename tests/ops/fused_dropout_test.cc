// The fused dropout (src/ops/nn_dropout.cc) against TF 1.x's composite graph:
// bit-identical outputs and gradients for the same seeds, across runs, in
// float32 and float64, above and below the parallel grain; when dropout
// fuses and when it keeps the composite; and the Philox bulk fills it draws
// from against the scalar generator.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "keraspp/np/philox.h"
#include "keraspp/tf.h"
#include "support/graph_checks.h"

namespace {

using kpp_test::has_op;
using kpp_test::bit_equal;
using np::random::Philox4x32;

// x values spread over [-3, 3), with zeros of both signs, infinities and a
// value whose quotient by keep_prob overflows.
np::Array input(const np::Shape& shape, tf::DType dtype) {
  np::Array x = np::Array::empty(shape, np::float64);
  Philox4x32 g(5, 6);
  for (int64_t i = 0; i < x.size(); ++i) {
    const auto b = g.next();
    x.set_flat(i, 6.0 * Philox4x32::to_double(b[0], b[1]) - 3.0);
  }
  const double specials[] = {0.0, -0.0, std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(), 3.3e38, -1e-40};
  for (int64_t i = 0; i < 6 && i < x.size(); ++i) x.set_flat(i * 7 % x.size(), specials[i]);
  return x.astype(dtype);
}

struct Runs {
  std::vector<np::Array> values;  // per run: y, dx
  bool fused;
};

// Builds dropout(x) either fused (keep_prob a number) or as the composite
// (keep_prob a fed placeholder), with loss = sum(y * w), and runs y and
// d loss / dx `runs` times in one session.
Runs run_dropout(bool fused, const np::Shape& shape, tf::DType dtype, double keep, int runs,
                std::optional<int64_t> graph_seed, std::optional<int64_t> op_seed) {
  tf::Graph g;
  auto guard = g.as_default();
  if (graph_seed) tf::set_random_seed(*graph_seed);
  const tf::Tensor x = tf::placeholder(dtype, tf::TensorShape(shape), "x");
  const tf::Tensor kp = tf::placeholder(dtype, tf::TensorShape({}), "kp");
  const tf::Tensor y = fused ? tf::nn::dropout(x, keep, {.seed = op_seed})
                             : tf::nn::dropout(x, kp, {.seed = op_seed});
  np::Array w = np::Array::empty(shape, np::float64);
  for (int64_t i = 0; i < w.size(); ++i) w.set_flat(i, 0.5 + 0.01 * static_cast<double>(i % 97));
  const tf::Tensor loss = tf::reduce_sum(y * tf::constant(w.astype(dtype)));
  const tf::Tensor dx = tf::gradients(loss, {x})[0];
  Runs r{{}, has_op(g, "_FusedDropout")};
  EXPECT_EQ(r.fused, !has_op(g, "RandomUniform"));
  tf::Session s(g);
  const np::Array xv = input(shape, dtype);
  for (int i = 0; i < runs; ++i) {
    auto out = s.run({y, dx}, {{x, xv}, {kp, keep}});
    r.values.insert(r.values.end(), out.begin(), out.end());
  }
  return r;
}

struct Config {
  np::Shape shape;
  tf::DType dtype;
  double keep;
};

class FusedDropoutBitIdentical : public ::testing::TestWithParam<Config> {};

TEST_P(FusedDropoutBitIdentical, OutputsAndGradientsEqualTheComposite) {
  const Config& c = GetParam();
  for (auto [graph_seed, op_seed] : {std::pair<std::optional<int64_t>, std::optional<int64_t>>{std::nullopt, 42},
                                     {7, std::nullopt}}) {
    const Runs fused = run_dropout(true, c.shape, c.dtype, c.keep, 3, graph_seed, op_seed);
    const Runs composite = run_dropout(false, c.shape, c.dtype, c.keep, 3, graph_seed, op_seed);
    ASSERT_TRUE(fused.fused);
    ASSERT_FALSE(composite.fused);
    ASSERT_EQ(fused.values.size(), composite.values.size());
    for (size_t i = 0; i < fused.values.size(); ++i)
      EXPECT_TRUE(bit_equal(fused.values[i], composite.values[i]))
          << (i % 2 ? "dx" : "y") << " of run " << i / 2;
    // Runs continue the stream: a new mask each time (keep_prob 1 keeps all).
    if (c.keep < 0.99) EXPECT_FALSE(bit_equal(fused.values[0], fused.values[2]));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, FusedDropoutBitIdentical,
    ::testing::Values(Config{{3, 5}, tf::float32, 0.8}, Config{{3, 5}, tf::float64, 0.8},
                      // Above np::kParallelGrain (32768): chunks on several threads.
                      Config{{128, 512}, tf::float32, 0.8}, Config{{301, 211}, tf::float64, 0.5},
                      Config{{40001}, tf::float32, 0.3},
                      // keep_prob 1 - 1e-9 is 1.0f in float32: the kernel runs
                      // with keep_prob exactly 1.
                      Config{{200, 300}, tf::float32, 1 - 1e-9}),
    [](const auto& info) {
      std::string n = np::dtype_name(info.param.dtype);
      for (int64_t d : info.param.shape) n += "_" + std::to_string(d);
      return n + "_keep" + std::to_string(static_cast<int>(info.param.keep * 1000));
    });

// keep_prob 1 - 1e-9 is 1.0f in float32, and stream (kDefaultGraphSeed, 194)
// draws u = 1 - 2^-24 at element 8351: 1 + u is a tie that rounds to 2, so
// the composite's mask there is floor(2) = 2. The fused op agrees.
TEST(FusedDropout, MaskOfTwoWhereKeepPlusUniformRoundsUp) {
  for (bool fused : {true, false}) {
    tf::Graph g;
    auto guard = g.as_default();
    const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({100, 100}), "x");
    const tf::Tensor kp = tf::placeholder(tf::float32, tf::TensorShape({}), "kp");
    const double keep = 1 - 1e-9;
    const tf::Tensor y = fused ? tf::nn::dropout(x, keep, {.seed = 194}) : tf::nn::dropout(x, kp, {.seed = 194});
    ASSERT_EQ(y.op().type() == "_FusedDropout", fused);
    const np::Array out = tf::Session(g).run(y, {{x, np::ones({100, 100})}, {kp, keep}});
    for (int64_t i = 0; i < out.size(); ++i)
      ASSERT_EQ(out.get_flat(i), i == 8351 ? 2.0 : 1.0) << "fused " << fused << " element " << i;
  }
}

TEST(FusedDropout, FusesForConstantsAndMasksOfXsShapeOnly) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({4, 6}), "x");
  auto fused = [](const tf::Tensor& y) { return y.op().type() == "_FusedDropout"; };
  const tf::Tensor y = tf::nn::dropout(x, 0.5);
  EXPECT_TRUE(fused(y));
  EXPECT_EQ(y.name(), "dropout/mul:0");
  EXPECT_EQ(y.shape(), tf::TensorShape({4, 6}));
  // The mask is reachable under the composite's name for it.
  const tf::Operation floor_op = g.get_operation_by_name("dropout/Floor");
  EXPECT_EQ(floor_op.input(0), y.op().output(1));
  EXPECT_TRUE(fused(tf::nn::dropout(x, tf::constant(0.5, tf::float32))));
  EXPECT_TRUE(fused(tf::nn::dropout(x, 0.5, {.noise_shape = std::vector<int64_t>{4, 6}})));
  EXPECT_TRUE(fused(tf::nn::dropout(x, 0.5, {.noise_shape = tf::shape(x)})));
  // Broadcast masks, tensor keep_prob: the composite.
  EXPECT_FALSE(fused(tf::nn::dropout(x, 0.5, {.noise_shape = std::vector<int64_t>{4, 1}})));
  EXPECT_FALSE(fused(tf::nn::dropout(x, 0.5, {.noise_shape = tf::shape(x * 2.0)})));
  EXPECT_FALSE(fused(tf::nn::dropout(x, tf::placeholder(tf::float32, tf::TensorShape({})))));
  // A constant keep_prob outside (0, 1] is computed as TF computes it.
  EXPECT_FALSE(fused(tf::nn::dropout(x, tf::constant(1.5, tf::float32))));
  // Dims of x unknown: only an absent or tf::shape(x) noise_shape is x's shape.
  const tf::Tensor d = tf::placeholder(tf::float32, tf::TensorShape({-1, 6}), "d");
  EXPECT_TRUE(fused(tf::nn::dropout(d, 0.5)));
  EXPECT_FALSE(fused(tf::nn::dropout(d, 0.5, {.noise_shape = std::vector<int64_t>{4, 6}})));
}

TEST(FusedDropout, MaskIsTheFloorAndKeptUnitsAreScaled) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 100}), "x");
  const tf::Tensor y = tf::nn::dropout(x, 0.75, {.seed = 3});
  tf::Session s(g);
  const auto out = s.run({y, g.get_tensor_by_name("dropout/Floor:0")}, {{x, np::ones({50, 100})}});
  int64_t kept = 0;
  for (int64_t i = 0; i < out[0].size(); ++i) {
    const double m = out[1].get_flat(i);
    ASSERT_TRUE(m == 0 || m == 1) << m;
    ASSERT_EQ(out[0].get_flat(i), m * static_cast<double>(1 / 0.75f));
    kept += m == 1;
  }
  EXPECT_NEAR(static_cast<double>(kept) / 5000, 0.75, 0.03);
}

TEST(FusedDropout, UnseededRunsDiffer) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 100}), "x");
  const tf::Tensor y = tf::nn::dropout(x, 0.5);
  ASSERT_EQ(y.op().get_attr<int64_t>("seed"), 0);
  const np::Array a = tf::Session(g).run(y, {{x, np::ones({10, 100})}});
  const np::Array b = tf::Session(g).run(y, {{x, np::ones({10, 100})}});
  EXPECT_FALSE(bit_equal(a, b));
}

TEST(FusedDropout, GradOpRejectsMismatchedShapes) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor dy = tf::placeholder(tf::float32, tf::TensorShape({-1, 3}), "dy");
  const tf::Tensor m = tf::placeholder(tf::float32, tf::TensorShape({-1, 3}), "m");
  // Named explicitly: a name may not start with '_' (TF's op-name rule), so
  // the type cannot serve as the default name.
  const tf::Tensor dx =
      tf::op_builder::create1("_FusedDropoutGrad", {dy, m}, {{"keep_prob", 0.5}}, "FusedDropoutGrad");
  tf::Session s(g);
  EXPECT_THROW(s.run(dx, {{dy, np::ones({2, 3})}, {m, np::ones({4, 3})}}), tf::errors::InvalidArgumentError);
  // Known to mismatch while building: a ValueError, as TF 1.x.
  EXPECT_THROW(tf::op_builder::create1("_FusedDropoutGrad", {dy, tf::placeholder(tf::float32, tf::TensorShape({-1, 4}))},
                                       {{"keep_prob", 0.5}}, "FusedDropoutGrad"),
               keraspp::ValueError);
}

// The bulk fills give exactly the scalar generator's numbers, for any count
// and start (including across the low counter word's wrap).
TEST(PhiloxFill, UniformsAndWordsMatchSeekAndNext) {
  const uint64_t key = 0xfedcba9876543210ull, hi = 0x0123456789abcdefull;
  for (uint64_t first : {uint64_t{0}, (uint64_t{1} << 32) - 37}) {
    for (int64_t n : {1, 3, 4, 5, 31, 32, 33, 127, 128, 129, 1000}) {
      std::vector<float> f(static_cast<size_t>(n));
      std::vector<double> d(static_cast<size_t>(n));
      std::vector<uint32_t> w(static_cast<size_t>(4 * n));
      Philox4x32::fill_uniform(key, hi, first, n, f.data());
      Philox4x32::fill_uniform(key, hi, first, n, d.data());
      Philox4x32::fill_blocks(key, hi, first, n, w.data());
      for (int64_t i = 0; i < n; ++i) {
        Philox4x32 g(key, hi);
        g.seek(first + static_cast<uint64_t>(i / 4));
        const auto b4 = g.next();
        ASSERT_EQ(f[static_cast<size_t>(i)], Philox4x32::to_float(b4[static_cast<size_t>(i % 4)])) << n << " " << i;
        g.seek(first + static_cast<uint64_t>(i / 2));
        const auto b2 = g.next();
        const size_t j = static_cast<size_t>(2 * (i % 2));
        ASSERT_EQ(d[static_cast<size_t>(i)], Philox4x32::to_double(b2[j], b2[j + 1])) << n << " " << i;
        g.seek(first + static_cast<uint64_t>(i));
        const auto b = g.next();
        for (size_t k = 0; k < 4; ++k) ASSERT_EQ(w[static_cast<size_t>(4 * i) + k], b[k]) << n << " " << i;
      }
    }
  }
}

}  // namespace
