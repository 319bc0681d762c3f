// Reductions, argmax, array_equal, allclose and concatenate against numpy's results.
#include "support/expect_error.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/np.h"

namespace {

using ::testing::ElementsAre;

template <class T> np::Array A(std::vector<T> v, np::Shape s) { return np::Array::from_vector(v, s); }

// Any std::exception's message (these tests check texts, not classes).
template <class F> std::string error_of(F&& f) { return kpp_test::message_of<std::exception>(f); }

TEST(Reduce, SumAlongAxesWithKeepdims) {
  auto a = np::arange(24, np::float32).reshape({2, 3, 4});
  EXPECT_EQ(np::sum(a).shape(), np::Shape{});
  EXPECT_FLOAT_EQ(np::sum(a).item<float>(), 276);
  auto s0 = np::sum(a, 0);
  EXPECT_EQ(s0.shape(), (np::Shape{3, 4}));
  EXPECT_EQ(s0.at<float>(1, 2), 6 + 18);
  auto s1 = np::sum(a, 1, true);
  EXPECT_EQ(s1.shape(), (np::Shape{2, 1, 4}));
  EXPECT_EQ(s1.at<float>(1, 0, 3), 15 + 19 + 23);
  auto s2 = np::sum(a, -1);
  EXPECT_EQ(s2.shape(), (np::Shape{2, 3}));
  EXPECT_THAT(s2.to_vector<float>(), ElementsAre(6, 22, 38, 54, 70, 86));
  EXPECT_EQ(np::sum(a, np::kNoAxis, true).shape(), (np::Shape{1, 1, 1}));
}

TEST(Reduce, NumpyDtypes) {
  EXPECT_EQ(np::sum(np::ones({3}, np::bool_)).dtype(), np::int64);
  EXPECT_EQ(np::sum(np::ones({3}, np::bool_)).item<int64_t>(), 3);
  EXPECT_EQ(np::sum(np::ones({3}, np::uint8)).dtype(), np::int64);
  EXPECT_EQ(np::sum(np::full({300}, 255, np::uint8)).item<int64_t>(), 76500);  // no uint8 wrap
  EXPECT_EQ(np::sum(np::ones({3}, np::int32)).dtype(), np::int64);
  EXPECT_EQ(np::sum(np::ones({3}, np::float32)).dtype(), np::float32);
  EXPECT_EQ(np::mean(np::ones({3}, np::int32)).dtype(), np::float64);
  EXPECT_EQ(np::mean(np::ones({3}, np::bool_)).dtype(), np::float64);
  EXPECT_EQ(np::mean(np::ones({3}, np::float32)).dtype(), np::float32);
  EXPECT_EQ(np::mean(np::ones({3}, np::float64)).dtype(), np::float64);
  EXPECT_EQ(np::max(np::ones({3}, np::uint8)).dtype(), np::uint8);
  EXPECT_EQ(np::argmax(np::ones({3}), 0).dtype(), np::int64);
}

TEST(Reduce, MeanMaxMin) {
  auto a = A<float>({1, 8, 3, 4, 5, -6}, {2, 3});
  EXPECT_FLOAT_EQ(np::mean(a).item<float>(), 15.0f / 6);
  EXPECT_THAT(np::mean(a, 0).to_vector<float>(), ElementsAre(2.5, 6.5, -1.5));
  EXPECT_THAT(np::mean(a, 1, true).to_vector<float>(), ElementsAre(4, 1));
  EXPECT_EQ(np::mean(a, 1, true).shape(), (np::Shape{2, 1}));
  EXPECT_EQ(np::max(a).item<float>(), 8);
  EXPECT_EQ(np::min(a).item<float>(), -6);
  EXPECT_THAT(np::max(a, 0).to_vector<float>(), ElementsAre(4, 8, 3));
  EXPECT_THAT(np::min(a, -1).to_vector<float>(), ElementsAre(1, -6));
  EXPECT_DOUBLE_EQ(np::mean(A<int32_t>({1, 2}, {2})).item<double>(), 1.5);
  EXPECT_TRUE(std::isnan(np::max(A<double>({1, NAN, 3}, {3})).item<double>()));
  EXPECT_TRUE(std::isnan(np::min(A<double>({NAN, 1}, {2})).item<double>()));
  // float32 sums do not stall at 2^24 (numpy sums pairwise; we accumulate in double).
  EXPECT_EQ(np::sum(np::ones({20000000}, np::float32)).item<double>(), 20000000.0);
}

TEST(Reduce, EmptyInputs) {
  EXPECT_EQ(np::sum(np::zeros({0})).item<float>(), 0);
  EXPECT_TRUE(std::isnan(np::mean(np::zeros({0})).item<float>()));
  EXPECT_EQ(error_of([] { np::max(np::zeros({0, 3}), 0); }),
            "zero-size array to reduction operation maximum which has no identity");
  EXPECT_EQ(error_of([] { np::min(np::zeros({0})); }),
            "zero-size array to reduction operation minimum which has no identity");
  EXPECT_EQ(np::max(np::zeros({0, 3}), 1).shape(), (np::Shape{0}));
  EXPECT_EQ(error_of([] { np::argmax(np::zeros({0}), 0); }),
            "attempt to get argmax of an empty sequence");
}

TEST(Reduce, AxisErrors) {
  auto a = np::zeros({2, 2});
  EXPECT_EQ(error_of([&] { np::sum(a, 2); }), "axis 2 is out of bounds for array of dimension 2");
  EXPECT_EQ(error_of([&] { np::mean(a, -3); }), "axis -3 is out of bounds for array of dimension 2");
  EXPECT_THROW(np::argmax(a, 5), np::ValueError);
  EXPECT_THROW(np::concatenate({a, a}, 2), np::ValueError);
}

TEST(Argmax, FirstMaxOnTiesAndNan) {
  auto a = A<int64_t>({1, 5, 5, 7, 7, 2}, {2, 3});
  EXPECT_THAT(np::argmax(a, 1).to_vector<int64_t>(), ElementsAre(1, 0));
  EXPECT_THAT(np::argmax(a, 0).to_vector<int64_t>(), ElementsAre(1, 1, 0));
  EXPECT_THAT(np::argmax(a, -1).to_vector<int64_t>(), ElementsAre(1, 0));
  EXPECT_EQ(np::argmax(a, np::kNoAxis).item<int64_t>(), 3);  // flattened
  EXPECT_EQ(np::argmax(A<double>({1, NAN, 3, NAN}, {4}), 0).item<int64_t>(), 1);
  EXPECT_THAT(np::argmin(a, 1).to_vector<int64_t>(), ElementsAre(0, 2));
  // The classic use: predicted class per row of a (batch, classes) matrix.
  auto logits = A<float>({0.1f, 0.7f, 0.2f, 0.5f, 0.1f, 0.4f}, {2, 3});
  EXPECT_THAT(np::argmax(logits, 1).to_vector<int64_t>(), ElementsAre(1, 0));
}

TEST(Compare, ArrayEqualAndAllclose) {
  auto a = A<float>({1, 2, 3}, {3});
  EXPECT_TRUE(np::array_equal(a, a.copy()));
  EXPECT_TRUE(np::array_equal(a, a.astype(np::int32)));
  EXPECT_FALSE(np::array_equal(a, a.reshape({3, 1})));
  EXPECT_FALSE(np::array_equal(a, A<float>({1, 2, 4}, {3})));
  EXPECT_FALSE(np::array_equal(A<double>({NAN}, {1}), A<double>({NAN}, {1})));
  EXPECT_TRUE(np::array_equal(np::zeros({0}), np::zeros({0})));
  EXPECT_TRUE(np::allclose(a, a + 1e-7));
  EXPECT_FALSE(np::allclose(a, a + 1e-3));
  EXPECT_TRUE(np::allclose(a, a + 1e-3, 0, 1e-2));
  EXPECT_TRUE(np::allclose(A<double>({1, INFINITY}, {2}), A<double>({1 + 1e-9, INFINITY}, {2})));
  EXPECT_FALSE(np::allclose(A<double>({INFINITY}, {1}), A<double>({-INFINITY}, {1})));
  EXPECT_FALSE(np::allclose(A<double>({NAN}, {1}), A<double>({NAN}, {1})));
  EXPECT_TRUE(np::allclose(np::ones({2, 3}), np::ones({3})));  // broadcasts
  EXPECT_THROW(np::allclose(np::ones({2}), np::ones({3})), np::ValueError);
}

TEST(Concatenate, AlongAxesWithPromotion) {
  auto a = A<float>({1, 2, 3, 4}, {2, 2});
  auto b = A<float>({5, 6}, {1, 2});
  auto c0 = np::concatenate({a, b});
  EXPECT_EQ(c0.shape(), (np::Shape{3, 2}));
  EXPECT_THAT(c0.to_vector<float>(), ElementsAre(1, 2, 3, 4, 5, 6));
  auto c1 = np::concatenate({a, A<int32_t>({7, 8}, {2, 1})}, 1);
  EXPECT_EQ(c1.shape(), (np::Shape{2, 3}));
  EXPECT_EQ(c1.dtype(), np::float32);
  EXPECT_THAT(c1.to_vector<float>(), ElementsAre(1, 2, 7, 3, 4, 8));
  auto cm = np::concatenate({a, a}, -1);
  EXPECT_THAT(cm.to_vector<float>(), ElementsAre(1, 2, 1, 2, 3, 4, 3, 4));
  EXPECT_EQ(np::concatenate({a, np::zeros({0, 2})}).shape(), (np::Shape{2, 2}));
  EXPECT_EQ(error_of([] { np::concatenate({np::zeros({2, 3}), np::zeros({2, 2})}); }),
            "all the input array dimensions except for the concatenation axis must match exactly, "
            "but along dimension 1, the array at index 0 has size 3 and the array at index 1 has "
            "size 2");
  EXPECT_EQ(error_of([] { np::concatenate({np::zeros({2, 3}), np::zeros({2})}); }),
            "all the input arrays must have same number of dimensions, but the array at index 0 "
            "has 2 dimension(s) and the array at index 1 has 1 dimension(s)");
  EXPECT_EQ(error_of([] { np::concatenate({}); }), "need at least one array to concatenate");
  EXPECT_EQ(error_of([] { np::concatenate({np::Array::scalar(1.f)}); }),
            "zero-dimensional arrays cannot be concatenated");
}

}  // namespace
