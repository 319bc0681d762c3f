// Random ops and dropout: TF's seed rules, reproducibility across sessions and
// graphs, fresh numbers per run, moments, truncation, dropout's statistics and
// errors, and bit-identical results for any OpenMP thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>

#include "keraspp/tf.h"

namespace {

// Mean and (population) stddev of an array's elements.
std::pair<double, double> moments(const np::Array& a) {
  double s = 0, ss = 0;
  for (int64_t i = 0; i < a.size(); ++i) s += a.get_flat(i);
  const double m = s / static_cast<double>(a.size());
  for (int64_t i = 0; i < a.size(); ++i) ss += (a.get_flat(i) - m) * (a.get_flat(i) - m);
  return {m, std::sqrt(ss / static_cast<double>(a.size()))};
}

// Values of a uniform op built in a fresh graph seeded with `graph_seed`.
np::Array seeded_uniform(int64_t graph_seed, std::optional<int64_t> op_seed = std::nullopt) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(graph_seed);
  tf::Tensor u = tf::random_uniform({1000}, {.seed = op_seed});
  tf::Session s(g);
  return s.run(u);
}

TEST(RandomSeeds, GetSeedFollowsTF) {
  tf::Graph g;
  auto guard = g.as_default();
  EXPECT_EQ(tf::get_seed(std::nullopt), (std::pair<int64_t, int64_t>{0, 0}));
  EXPECT_EQ(tf::get_seed(5), (std::pair<int64_t, int64_t>{tf::kDefaultGraphSeed, 5}));
  EXPECT_EQ(tf::kDefaultGraphSeed, 87654321);
  tf::set_random_seed(42);
  EXPECT_EQ(g.seed(), 42);
  const auto a = tf::get_seed(std::nullopt), b = tf::get_seed(std::nullopt);
  EXPECT_EQ(a.first, 42);
  EXPECT_EQ(b.first, 42);
  EXPECT_NE(a.second, b.second);  // each op gets its own op seed
  EXPECT_EQ(tf::get_seed(7), (std::pair<int64_t, int64_t>{42, 7}));
  tf::set_random_seed(0);
  EXPECT_EQ(tf::get_seed(0), (std::pair<int64_t, int64_t>{0, 2147483647}));
}

TEST(RandomSeeds, GraphSeedReproducibleAcrossGraphsAndSessions) {
  const np::Array a = seeded_uniform(42), b = seeded_uniform(42);
  EXPECT_TRUE(np::array_equal(a, b));
  EXPECT_FALSE(np::array_equal(a, seeded_uniform(43)));
  // Op seed only: the default graph seed makes it reproducible too.
  tf::Graph g1, g2;
  np::Array x, y;
  {
    auto guard = g1.as_default();
    x = tf::Session(g1).run(tf::random_uniform({100}, {.seed = 3}));
  }
  {
    auto guard = g2.as_default();
    y = tf::Session(g2).run(tf::random_uniform({100}, {.seed = 3}));
  }
  EXPECT_TRUE(np::array_equal(x, y));
}

TEST(RandomSeeds, OpsInOneGraphDrawDifferentNumbers) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(1);
  tf::Tensor u1 = tf::random_uniform({100});
  tf::Tensor u2 = tf::random_uniform({100});
  tf::Session s(g);
  auto r = s.run(std::vector<tf::Tensor>{u1, u2});
  EXPECT_FALSE(np::array_equal(r[0], r[1]));
}

TEST(RandomSeeds, SuccessiveRunsDifferAndNewSessionReplays) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(7);
  tf::Tensor z = tf::random_normal({50});
  tf::Session s1(g);
  const np::Array r1 = s1.run(z), r2 = s1.run(z);
  EXPECT_FALSE(np::array_equal(r1, r2));
  tf::Session s2(g);
  EXPECT_TRUE(np::array_equal(s2.run(z), r1));
  EXPECT_TRUE(np::array_equal(s2.run(z), r2));
}

TEST(RandomSeeds, UnseededOpsAreNondeterministic) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor u = tf::random_uniform({64});
  const tf::Operation op = g.get_operation_by_name("random_uniform/RandomUniform");
  EXPECT_EQ(op.get_attr<int64_t>("seed"), 0);
  EXPECT_EQ(op.get_attr<int64_t>("seed2"), 0);
  tf::Session s1(g), s2(g);
  EXPECT_FALSE(np::array_equal(s1.run(u), s2.run(u)));
}

TEST(RandomOps, NamesShapesAndDtypes) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor u = tf::random_uniform({2, 3});
  EXPECT_EQ(u.name(), "random_uniform:0");
  EXPECT_EQ(u.shape(), tf::TensorShape({2, 3}));
  EXPECT_EQ(g.get_operation_by_name("random_uniform/RandomUniform").type(), "RandomUniform");
  EXPECT_EQ(tf::random_uniform({2}).name(), "random_uniform_1:0");
  tf::Tensor n = tf::random_normal({4}, {.dtype = tf::float64});
  EXPECT_EQ(n.name(), "random_normal:0");
  EXPECT_EQ(n.dtype(), tf::float64);
  EXPECT_EQ(g.get_operation_by_name("random_normal/RandomStandardNormal").type(),
            "RandomStandardNormal");
  EXPECT_EQ(tf::truncated_normal({4}, {.name = "noise"}).name(), "noise:0");
  EXPECT_EQ(g.get_operation_by_name("noise/TruncatedNormal").type(), "TruncatedNormal");

  // A run-time shape: rank known from the shape vector, dims from the feed.
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 4}));
  tf::Tensor d = tf::random_uniform(tf::shape(x));
  EXPECT_EQ(d.shape(), tf::TensorShape({-1, -1}));
  tf::Session s(g);
  EXPECT_EQ(s.run(d, {{x, np::zeros({5, 4})}}).shape(), (np::Shape{5, 4}));
  EXPECT_EQ(s.run(tf::random_uniform(std::vector<int64_t>{})).shape(), np::Shape{});
}

TEST(RandomOps, Errors) {
  tf::Graph g;
  auto guard = g.as_default();
  EXPECT_THROW(tf::random_uniform({2}, {.dtype = tf::int32}), keraspp::TypeError);
  EXPECT_THROW(tf::random_uniform({-1, 2}), keraspp::ValueError);
  tf::Tensor shape = tf::placeholder(tf::int32, tf::TensorShape({2}));
  tf::Tensor u = tf::random_uniform(shape);
  tf::Session s(g);
  EXPECT_THROW(s.run(u, {{shape, np::Array::from_vector(std::vector<int32_t>{2, -3}, {2})}}),
               tf::errors::InvalidArgumentError);
  // The session stays usable.
  EXPECT_EQ(s.run(u, {{shape, np::Array::from_vector(std::vector<int32_t>{2, 3}, {2})}}).size(), 6);
}

class RandomMoments : public ::testing::TestWithParam<tf::DType> {};

TEST_P(RandomMoments, UniformNormalTruncated) {
  const tf::DType t = GetParam();
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(2017);
  tf::Tensor u = tf::random_uniform({100000}, {.dtype = t});
  tf::Tensor n = tf::random_normal({100000}, {.dtype = t});
  tf::Tensor tn = tf::truncated_normal({100000}, {.mean = 3.0, .stddev = 2.0, .dtype = t});
  tf::Session s(g);
  auto r = s.run(std::vector<tf::Tensor>{u, n, tn});
  ASSERT_EQ(r[0].dtype(), t);

  auto [um, us] = moments(r[0]);
  EXPECT_NEAR(um, 0.5, 0.005);
  EXPECT_NEAR(us, 1 / std::sqrt(12.0), 0.003);
  EXPECT_GE(np::min(r[0]).item<double>(), 0.0);
  EXPECT_LT(np::max(r[0]).item<double>(), 1.0);

  auto [nm, ns] = moments(r[1]);
  EXPECT_NEAR(nm, 0.0, 0.01);
  EXPECT_NEAR(ns, 1.0, 0.01);
  EXPECT_GT(np::max(r[1]).item<double>(), 3.5);  // tails present
  EXPECT_LT(np::min(r[1]).item<double>(), -3.5);
  // Fraction within one stddev: 0.6827.
  int64_t within = 0;
  for (int64_t i = 0; i < r[1].size(); ++i) within += std::abs(r[1].get_flat(i)) < 1;
  EXPECT_NEAR(static_cast<double>(within) / 100000, 0.6827, 0.005);

  auto [tm, ts] = moments(r[2]);
  EXPECT_NEAR(tm, 3.0, 0.02);
  EXPECT_NEAR(ts, 2.0 * 0.8796256610342398, 0.01);
  EXPECT_GT(np::min(r[2]).item<double>(), 3.0 - 4.0);
  EXPECT_LT(np::max(r[2]).item<double>(), 3.0 + 4.0);
  EXPECT_GT(np::max(r[2]).item<double>(), 3.0 + 3.9);  // reaches near the bound
}

INSTANTIATE_TEST_SUITE_P(Dtypes, RandomMoments, ::testing::Values(tf::float32, tf::float64),
                         [](const auto& info) { return np::dtype_name(info.param); });

TEST(Dropout, KeepsExpectationAndDropsTheRate) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(5);
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 1000}));
  tf::Tensor y = tf::nn::dropout(x, 0.8);
  EXPECT_EQ(y.name(), "dropout/mul:0");
  EXPECT_EQ(y.shape(), tf::TensorShape({-1, 1000}));
  EXPECT_EQ(g.get_operation_by_name("dropout/Floor").type(), "Floor");
  tf::Session s(g);
  const np::Array out = s.run(y, {{x, np::ones({100, 1000})}});
  int64_t zeros = 0;
  for (int64_t i = 0; i < out.size(); ++i) {
    const double v = out.get_flat(i);
    if (v == 0) ++zeros;
    else ASSERT_FLOAT_EQ(v, 1 / 0.8f) << "kept units are scaled by 1/keep_prob";
  }
  EXPECT_NEAR(static_cast<double>(zeros) / out.size(), 0.2, 0.005);
  EXPECT_NEAR(moments(out).first, 1.0, 0.01);
  // A new mask each run.
  EXPECT_FALSE(np::array_equal(out, s.run(y, {{x, np::ones({100, 1000})}})));
}

TEST(Dropout, TensorKeepProbAndNoiseShape) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({-1, 50}));
  tf::Tensor keep = tf::placeholder(tf::float64, tf::TensorShape({}));
  tf::Tensor y = tf::nn::dropout(x, 1.0 - keep * 0.5, {.seed = 4});
  // noise_shape [N, 1]: a whole row is kept or dropped together.
  tf::Tensor rows = tf::nn::dropout(x, keep, {.noise_shape = std::vector<int64_t>{200, 1}, .seed = 9});
  tf::Session s(g);
  const np::Array ones = np::ones({200, 50}, np::float64);
  // keep = 1 -> keep_prob 0.5.
  auto [m, sd] = moments(s.run(y, {{x, ones}, {keep, 1.0}}));
  EXPECT_NEAR(m, 1.0, 0.05);
  EXPECT_NEAR(sd, 1.0, 0.02);  // values 0 or 2 with p = 0.5
  // keep = 0 -> keep_prob 1: identity.
  EXPECT_TRUE(np::array_equal(s.run(y, {{x, ones}, {keep, 0.0}}), ones));

  const np::Array r = s.run(rows, {{x, ones}, {keep, 0.5}});
  int64_t kept_rows = 0;
  for (int64_t i = 0; i < 200; ++i) {
    const double first = r.at<double>(i, 0);
    for (int64_t j = 1; j < 50; ++j) ASSERT_EQ(r.at<double>(i, j), first) << "row " << i;
    kept_rows += first != 0;
  }
  EXPECT_GT(kept_rows, 70);
  EXPECT_LT(kept_rows, 130);
}

TEST(Dropout, Errors) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 3}));
  const int before = g.num_ops();
  try {
    tf::nn::dropout(x, 1.5);
    FAIL() << "expected ValueError";
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(), "keep_prob must be a scalar tensor or a float in the range (0, 1], got 1.5");
  }
  try {
    tf::nn::dropout(x, 0.0);
    FAIL() << "expected ValueError";
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(), "keep_prob must be a scalar tensor or a float in the range (0, 1], got 0");
  }
  EXPECT_EQ(g.num_ops(), before);  // nothing half-built
  try {
    tf::nn::dropout(x, tf::constant(np::Array({0.5f, 0.5f})));
    FAIL() << "expected ValueError";
  } catch (const keraspp::ValueError& e) {
    EXPECT_STREQ(e.what(), "Shapes (2,) and () are incompatible");
  }
  EXPECT_THROW(tf::nn::dropout(x, tf::constant(0.5, tf::float64)), keraspp::ValueError);
  EXPECT_THROW(tf::nn::dropout(tf::placeholder(tf::int32), 0.5), keraspp::ValueError);
  // keep_prob == 1 drops nothing: x itself comes back.
  EXPECT_EQ(tf::nn::dropout(x, 1.0), x);
  EXPECT_EQ(tf::nn::dropout(x, tf::constant(1.0, tf::float32)), x);
}

// The same seeds give bit-identical numbers whatever the thread count: every
// Philox block lands in fixed elements.
TEST(RandomThreads, BitIdenticalForOneAndTwoThreads) {
  auto draw = [](int threads) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    tf::Graph g;
    auto guard = g.as_default();
    tf::set_random_seed(99);
    tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 1000}));
    std::vector<tf::Tensor> fetches = {
        tf::random_uniform({300001}), tf::random_uniform({300001}, {.dtype = tf::float64}),
        tf::random_normal({300001}), tf::random_normal({300001}, {.dtype = tf::float64}),
        tf::truncated_normal({300001}), tf::truncated_normal({300001}, {.dtype = tf::float64}),
        tf::nn::dropout(x, 0.7)};
    tf::Session s(g);
    auto first = s.run(fetches, {{x, np::ones({300, 1000})}});
    auto second = s.run(fetches, {{x, np::ones({300, 1000})}});
    first.insert(first.end(), second.begin(), second.end());
    omp_set_num_threads(saved);
    return first;
  };
  const auto one = draw(1), two = draw(2);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    ASSERT_EQ(one[i].nbytes(), two[i].nbytes());
    EXPECT_EQ(std::memcmp(one[i].raw_data(), two[i].raw_data(), one[i].nbytes()), 0) << "fetch " << i;
  }
}

TEST(RandomSteadyState, RunsAllocateNothingAfterWarmUp) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::set_random_seed(3);
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 100}));
  tf::Tensor loss = tf::reduce_sum(tf::nn::dropout(tf::nn::relu(x), 0.5));
  tf::Session s(g);
  const np::Array in = np::ones({64, 100});
  for (int i = 0; i < 3; ++i) s.run(loss, {{x, in}});
  const uint64_t before = np::Storage::allocation_count();
  for (int i = 0; i < 5; ++i) s.run(loss, {{x, in}});
  EXPECT_EQ(np::Storage::allocation_count(), before);
}

}  // namespace
