// Elementwise np:: operations: broadcasting, numpy's dtype rules, error texts.
#include "support/expect_error.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/np.h"

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

template <class T> np::Array A(std::vector<T> v, np::Shape s) { return np::Array::from_vector(v, s); }

// Any std::exception's message (these tests check texts, not classes).
template <class F> std::string error_of(F&& f) { return kpp_test::message_of<std::exception>(f); }

TEST(Broadcast, Shapes) {
  EXPECT_EQ(np::broadcast_shapes({2, 3}, {3}), (np::Shape{2, 3}));
  EXPECT_EQ(np::broadcast_shapes({4, 1}, {1, 5}), (np::Shape{4, 5}));
  EXPECT_EQ(np::broadcast_shapes({}, {2, 2}), (np::Shape{2, 2}));
  EXPECT_EQ(np::broadcast_shapes({0}, {1}), (np::Shape{0}));
  EXPECT_EQ(np::broadcast_shapes({2, 1, 3}, {4, 1}), (np::Shape{2, 4, 3}));
}

TEST(Broadcast, ErrorTextIsNumpys) {
  EXPECT_EQ(error_of([] { np::broadcast_shapes({2, 3}, {4}); }),
            "operands could not be broadcast together with shapes (2,3) (4,) ");
  EXPECT_THROW(np::ones({2, 3}) + np::ones({2}), np::ValueError);
  EXPECT_EQ(error_of([] { np::ones({2, 3}) * np::ones({3, 2}); }),
            "operands could not be broadcast together with shapes (2,3) (3,2) ");
}

TEST(Arith, BroadcastRowColumnAndScalar) {
  auto a = A<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  auto row = A<float>({10, 20, 30}, {3});
  auto col = A<float>({100, 200}, {2, 1});
  EXPECT_THAT((a + row).to_vector<float>(), ElementsAre(11, 22, 33, 14, 25, 36));
  EXPECT_THAT((a + col).to_vector<float>(), ElementsAre(101, 102, 103, 204, 205, 206));
  EXPECT_THAT((row - col).to_vector<float>(), ElementsAre(-90, -80, -70, -190, -180, -170));
  EXPECT_EQ((row - col).shape(), (np::Shape{2, 3}));
  EXPECT_THAT((a * np::Array::scalar(2.f)).to_vector<float>(), ElementsAre(2, 4, 6, 8, 10, 12));
  EXPECT_THAT((a / row).to_vector<float>(),
              ElementsAre(0.1f, 0.1f, 0.1f, 0.4f, 0.25f, 0.2f));
  // A (3,1,2) by (2,1) broadcast exercises the strided path on both sides.
  auto x = np::arange(6, np::float32).reshape({3, 1, 2});
  auto y = A<float>({0, 10}, {2, 1});
  auto z = x + y;
  EXPECT_EQ(z.shape(), (np::Shape{3, 2, 2}));
  EXPECT_THAT(z.to_vector<float>(), ElementsAre(0, 1, 10, 11, 2, 3, 12, 13, 4, 5, 14, 15));
}

TEST(Arith, DtypePromotion) {
  auto f32 = np::ones({2}, np::float32), f64 = np::ones({2}, np::float64);
  auto i32 = np::ones({2}, np::int32), i64 = np::ones({2}, np::int64);
  auto u8 = np::ones({2}, np::uint8), b = np::ones({2}, np::bool_);
  EXPECT_EQ((f32 + f64).dtype(), np::float64);
  EXPECT_EQ((f32 + i32).dtype(), np::float32);  // simplified promotion (numpy: float64)
  EXPECT_EQ((u8 + i32).dtype(), np::int32);
  EXPECT_EQ((i32 * i64).dtype(), np::int64);
  EXPECT_EQ((b + b).dtype(), np::bool_);
  EXPECT_EQ((b + u8).dtype(), np::uint8);
  // True division of integers gives float64; float32 stays float32.
  EXPECT_EQ((i32 / i32).dtype(), np::float64);
  EXPECT_EQ((u8 / u8).dtype(), np::float64);
  EXPECT_EQ((b / b).dtype(), np::float64);
  EXPECT_EQ((f32 / f32).dtype(), np::float32);
  EXPECT_DOUBLE_EQ((A<int32_t>({7}, {1}) / A<int32_t>({2}, {1})).item<double>(), 3.5);
  EXPECT_TRUE(std::isinf((A<int64_t>({1}, {1}) / A<int64_t>({0}, {1})).item<double>()));
}

TEST(Arith, ScalarsTakeTheArraysDtype) {
  auto u8 = A<uint8_t>({0, 128, 255}, {3});
  auto f32 = A<float>({1, 2}, {2});
  EXPECT_EQ((f32 / 255.0).dtype(), np::float32);
  EXPECT_EQ((u8 + 1).dtype(), np::uint8);
  EXPECT_THAT((u8 + 1).to_vector<int>(), ElementsAre(1, 129, 0));  // wraps like numpy
  EXPECT_THAT((u8 - 1).to_vector<int>(), ElementsAre(255, 127, 254));
  EXPECT_EQ((u8 * 0.5).dtype(), np::float64);  // a fraction needs a float
  EXPECT_EQ((u8 / 255.0).dtype(), np::float64);
  EXPECT_EQ((np::ones({2}, np::bool_) + 1).dtype(), np::int64);
  EXPECT_THAT((1 - f32).to_vector<float>(), ElementsAre(0, -1));
  EXPECT_THAT((2 / f32).to_vector<float>(), ElementsAre(2, 1));
  EXPECT_THAT((3 * f32).to_vector<float>(), ElementsAre(3, 6));
  EXPECT_THAT((f32 - 1).to_vector<float>(), ElementsAre(0, 1));
  EXPECT_THAT((10 + A<int32_t>({1, 2}, {2})).to_vector<int>(), ElementsAre(11, 12));
}

TEST(Arith, BoolAndOverflowRules) {
  auto t = A<bool>({true, true, false, false}, {4});
  auto u = A<bool>({true, false, true, false}, {4});
  EXPECT_THAT((t + u).to_vector<bool>(), ElementsAre(true, true, true, false));
  EXPECT_THAT((t * u).to_vector<bool>(), ElementsAre(true, false, false, false));
  EXPECT_THAT(error_of([&] { (void)(t - u); }), HasSubstr("numpy boolean subtract, the `-` operator"));
  EXPECT_THAT(error_of([&] { (void)-t; }), HasSubstr("The numpy boolean negative"));
  EXPECT_THROW((void)-t, np::TypeError);
  auto big = A<int32_t>({INT32_MAX}, {1});
  EXPECT_EQ((big + big).item<int64_t>(), -2);  // wraps as numpy's int32
  EXPECT_EQ((-A<int32_t>({INT32_MIN}, {1})).item<int64_t>(), INT32_MIN);
  EXPECT_THAT((-A<float>({1, -2}, {2})).to_vector<float>(), ElementsAre(-1, 2));
}

TEST(Compare, BoolResultsWithBroadcasting) {
  auto a = A<float>({1, 2, 3}, {3});
  auto b = A<float>({2, 2, 2}, {3});
  EXPECT_EQ((a == b).dtype(), np::bool_);
  EXPECT_THAT((a == b).to_vector<bool>(), ElementsAre(false, true, false));
  EXPECT_THAT((a != b).to_vector<bool>(), ElementsAre(true, false, true));
  EXPECT_THAT((a < b).to_vector<bool>(), ElementsAre(true, false, false));
  EXPECT_THAT((a <= b).to_vector<bool>(), ElementsAre(true, true, false));
  EXPECT_THAT((a > b).to_vector<bool>(), ElementsAre(false, false, true));
  EXPECT_THAT((a >= b).to_vector<bool>(), ElementsAre(false, true, true));
  EXPECT_THAT((a > 1.5).to_vector<bool>(), ElementsAre(false, true, true));
  EXPECT_THAT((a < 2).to_vector<bool>(), ElementsAre(true, false, false));
  EXPECT_EQ((a == A<float>({1, 3}, {2, 1})).shape(), (np::Shape{2, 3}));
  // A float32 array compares with the scalar cast to float32, as numpy does.
  EXPECT_TRUE((A<float>({0.1f}, {1}) == 0.1).item<bool>());
  EXPECT_FALSE((A<int64_t>({1}, {1}) == 1.5).item<bool>());
  EXPECT_TRUE((A<int64_t>({9007199254740993}, {1}) == A<int64_t>({9007199254740993}, {1})).item<bool>());
  // Mixed dtypes compare in the promoted type.
  EXPECT_TRUE((A<uint8_t>({200}, {1}) == A<int32_t>({200}, {1})).item<bool>());
  auto n = A<double>({NAN}, {1});
  EXPECT_FALSE((n == n).item<bool>());
  EXPECT_TRUE((n != n).item<bool>());
}

TEST(Unary, FloatFunctionsAndDtypes) {
  auto f = A<float>({1, 4, 9}, {3});
  EXPECT_EQ(np::sqrt(f).dtype(), np::float32);
  EXPECT_THAT(np::sqrt(f).to_vector<float>(), ElementsAre(1, 2, 3));
  EXPECT_EQ(np::sqrt(A<int32_t>({4}, {1})).dtype(), np::float64);
  EXPECT_EQ(np::exp(A<int64_t>({0}, {1})).dtype(), np::float64);
  EXPECT_EQ(np::log(A<uint8_t>({1}, {1})).dtype(), np::float32);  // numpy: float16
  EXPECT_DOUBLE_EQ(np::exp(A<double>({1}, {1})).item<double>(), std::exp(1.0));
  EXPECT_DOUBLE_EQ(np::log(A<double>({std::exp(2.0)}, {1})).item<double>(), 2.0);
  EXPECT_TRUE(std::isinf(np::log(A<double>({0}, {1})).item<double>()));
  EXPECT_TRUE(std::isnan(np::sqrt(A<double>({-1}, {1})).item<double>()));
  EXPECT_EQ(np::abs(A<int32_t>({-3, 4}, {2})).dtype(), np::int32);
  EXPECT_THAT(np::abs(A<int32_t>({-3, 4}, {2})).to_vector<int>(), ElementsAre(3, 4));
  EXPECT_THAT(np::abs(A<float>({-1.5, 0}, {2})).to_vector<float>(), ElementsAre(1.5, 0));
}

TEST(Unary, MaximumMinimumClip) {
  auto a = A<float>({1, 5, NAN}, {3});
  auto b = A<float>({3, 2, 0}, {3});
  auto mx = np::maximum(a, b), mn = np::minimum(a, b);
  EXPECT_EQ(mx.at<float>(0), 3);
  EXPECT_EQ(mx.at<float>(1), 5);
  EXPECT_TRUE(std::isnan(mx.at<float>(2)));  // NaN propagates as in numpy
  EXPECT_EQ(mn.at<float>(0), 1);
  EXPECT_TRUE(std::isnan(mn.at<float>(2)));
  EXPECT_THAT(np::maximum(A<float>({-1, 2}, {2}), np::zeros({1})).to_vector<float>(),
              ElementsAre(0, 2));  // relu-style broadcast
  auto c = np::clip(A<float>({-2, 0.5, 3}, {3}), 0, 1);
  EXPECT_EQ(c.dtype(), np::float32);
  EXPECT_THAT(c.to_vector<float>(), ElementsAre(0, 0.5, 1));
  EXPECT_EQ(np::clip(A<int32_t>({-2, 5}, {2}), 0, 3).dtype(), np::int32);
  EXPECT_THAT(np::clip(A<int32_t>({-2, 5}, {2}), 0, 3).to_vector<int>(), ElementsAre(0, 3));
  EXPECT_THAT(np::clip(A<float>({1, 2}, {2}), 5, 0).to_vector<float>(), ElementsAre(0, 0));
}

TEST(Matmul, TwoDAndVectors) {
  auto a = A<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  auto b = A<float>({7, 8, 9, 10, 11, 12}, {3, 2});
  auto c = np::matmul(a, b);
  EXPECT_EQ(c.shape(), (np::Shape{2, 2}));
  EXPECT_THAT(c.to_vector<float>(), ElementsAre(58, 64, 139, 154));
  EXPECT_EQ(np::matmul(a, A<float>({1, 1, 1}, {3})).shape(), (np::Shape{2}));
  EXPECT_THAT(np::matmul(A<float>({1, 1}, {2}), a).to_vector<float>(), ElementsAre(5, 7, 9));
  EXPECT_EQ(np::matmul(A<int32_t>({1, 2}, {2}), A<int32_t>({3, 4}, {2})).item<int>(), 11);
  EXPECT_EQ(np::matmul(a, b.astype(np::float64)).dtype(), np::float64);
  EXPECT_EQ(error_of([&] { np::matmul(a, a); }),
            "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature "
            "(n?,k),(k,m?)->(n?,m?) (size 2 is different from 3)");
  EXPECT_THROW(np::matmul(np::Array::scalar(1.f), a), np::ValueError);
}

TEST(Matmul, LargeMatchesNaiveLoop) {
  // Big enough to take the OpenMP path.
  const int64_t n = 64, k = 48, m = 40;
  auto a = np::arange(n * k, np::float64).reshape({n, k}) / 100.0;
  auto b = np::arange(k * m, np::float64).reshape({k, m}) / 50.0;
  auto c = np::matmul(a, b);
  for (int64_t i = 0; i < n; i += 13)
    for (int64_t j = 0; j < m; j += 7) {
      double ref = 0;
      for (int64_t p = 0; p < k; ++p) ref += a.at<double>(i, p) * b.at<double>(p, j);
      EXPECT_NEAR(c.at<double>(i, j), ref, 1e-9);
    }
}

}  // namespace
