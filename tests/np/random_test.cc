// np::random: reproducibility under seed, moments of the distributions,
// permutation/shuffle correctness, thread safety.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "keraspp/np.h"

namespace {

using ::testing::ElementsAre;

TEST(Random, SameSeedSameSequence) {
  np::random::seed(1337);
  auto u1 = np::random::uniform(0, 1, {100});
  auto n1 = np::random::normal(0, 1, {7});
  auto r1 = np::random::randint(0, 10, {50});
  auto p1 = np::random::permutation(20);
  const uint64_t k1 = np::random::next_u64();
  np::random::seed(1337);
  EXPECT_TRUE(np::array_equal(np::random::uniform(0, 1, {100}), u1));
  EXPECT_TRUE(np::array_equal(np::random::normal(0, 1, {7}), n1));
  EXPECT_TRUE(np::array_equal(np::random::randint(0, 10, {50}), r1));
  EXPECT_TRUE(np::array_equal(np::random::permutation(20), p1));
  EXPECT_EQ(np::random::next_u64(), k1);
  np::random::seed(1338);
  EXPECT_FALSE(np::array_equal(np::random::uniform(0, 1, {100}), u1));
}

TEST(Random, ShapesAndDtypes) {
  EXPECT_EQ(np::random::uniform().shape(), np::Shape{});
  EXPECT_EQ(np::random::uniform().dtype(), np::float64);
  EXPECT_EQ(np::random::normal(0, 1, {2, 3}).shape(), (np::Shape{2, 3}));
  EXPECT_EQ(np::random::randint(0, 5, {4}).dtype(), np::int64);
  EXPECT_EQ(np::random::permutation(0).shape(), (np::Shape{0}));
  EXPECT_THROW(np::random::randint(5, 5), np::ValueError);
  EXPECT_THROW(np::random::permutation(-1), np::ValueError);
}

TEST(Random, UniformMoments) {
  np::random::seed(1);
  auto u = np::random::uniform(0, 1, {100000});
  EXPECT_NEAR(np::mean(u).item<double>(), 0.5, 0.005);
  // Variance of U(0,1) is 1/12.
  auto c = u - 0.5;
  EXPECT_NEAR(np::mean(c * c).item<double>(), 1.0 / 12, 0.002);
  EXPECT_GE(np::min(u).item<double>(), 0.0);
  EXPECT_LT(np::max(u).item<double>(), 1.0);
  auto w = np::random::uniform(-3, 5, {10000});
  EXPECT_GE(np::min(w).item<double>(), -3.0);
  EXPECT_LT(np::max(w).item<double>(), 5.0);
  EXPECT_NEAR(np::mean(w).item<double>(), 1.0, 0.1);
}

TEST(Random, NormalMoments) {
  np::random::seed(2);
  auto z = np::random::normal(0, 1, {100001});  // odd size: the last pair is half used
  const double m = np::mean(z).item<double>();
  auto c = z - m;
  const double sd = std::sqrt(np::mean(c * c).item<double>());
  EXPECT_NEAR(m, 0.0, 0.01);
  EXPECT_NEAR(sd, 1.0, 0.01);
  // About 68.3% within one sigma.
  const double within = np::mean(np::abs(z) < 1.0).item<double>();
  EXPECT_NEAR(within, 0.6827, 0.01);
  auto s = np::random::normal(10, 2, {100000});
  EXPECT_NEAR(np::mean(s).item<double>(), 10.0, 0.03);
  EXPECT_TRUE(std::isfinite(np::sum(s).item<double>()));
}

TEST(Random, RandintRangeAndUniformity) {
  np::random::seed(3);
  auto r = np::random::randint(-2, 3, {50000});
  EXPECT_EQ(np::min(r).item<int64_t>(), -2);
  EXPECT_EQ(np::max(r).item<int64_t>(), 2);
  for (int v = -2; v <= 2; ++v)
    EXPECT_NEAR(np::mean(r == v).item<double>(), 0.2, 0.01) << "value " << v;
  // Full 64-bit span does not overflow.
  auto wide = np::random::randint(INT64_MIN, INT64_MAX, {10});
  EXPECT_EQ(wide.size(), 10);
}

TEST(Random, PermutationIsAPermutation) {
  np::random::seed(4);
  auto p = np::random::permutation(1000);
  auto v = p.to_vector<int64_t>();
  std::sort(v.begin(), v.end());
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(v[i], i);
  EXPECT_FALSE(np::array_equal(p, np::arange(1000)));  // 1/1000! chance of a false failure
  // Every position gets every value about equally often.
  std::vector<int> first(5, 0);
  for (int t = 0; t < 5000; ++t) ++first[np::random::permutation(5).at<int64_t>(0)];
  for (int c : first) EXPECT_NEAR(c, 1000, 150);
}

TEST(Random, ShuffleMovesWholeRows) {
  np::random::seed(5);
  auto a = np::arange(30, np::int32).reshape({10, 3});
  np::random::shuffle(a);
  std::vector<int> firsts;
  for (int64_t r = 0; r < 10; ++r) {
    const int x = a.at<int32_t>(r, 0);
    EXPECT_EQ(x % 3, 0);
    EXPECT_EQ(a.at<int32_t>(r, 1), x + 1);
    EXPECT_EQ(a.at<int32_t>(r, 2), x + 2);
    firsts.push_back(x);
  }
  std::sort(firsts.begin(), firsts.end());
  EXPECT_THAT(firsts, ElementsAre(0, 3, 6, 9, 12, 15, 18, 21, 24, 27));
  // Shuffling a view shuffles the underlying rows, as numpy's in-place shuffle.
  auto b = np::arange(6, np::float32);
  np::random::shuffle(b.slice(0, 3));
  EXPECT_EQ(b.at<float>(3), 3);
  EXPECT_THROW(np::random::shuffle(np::Array::scalar(1.0)), np::TypeError);
}

TEST(Random, ThreadsDrawDistinctNumbers) {
  // Concurrent draws must not tear the stream: every value is distinct.
  np::random::seed(6);
  std::vector<std::vector<uint64_t>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 2000; ++i) got[t].push_back(np::random::next_u64());
    });
  for (auto& th : threads) th.join();
  std::vector<uint64_t> all;
  for (auto& g : got) all.insert(all.end(), g.begin(), g.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::unique(all.begin(), all.end()), all.end());
}

}  // namespace
