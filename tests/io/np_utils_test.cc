// keras::utils::to_categorical and normalize.
#include <gtest/gtest.h>

#include "keraspp/errors.h"
#include "keraspp/keras/utils.h"

namespace {

using keras::utils::normalize;
using keras::utils::to_categorical;

TEST(ToCategorical, OneHotRowsFloat32) {
  np::Array y = to_categorical(np::Array::from_vector<uint8_t>({0, 2, 1}, {3}), 4);
  EXPECT_EQ(y.dtype(), np::float32);
  EXPECT_EQ(y.shape(), (np::Shape{3, 4}));
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0}));
}

TEST(ToCategorical, NumClassesFromMaxAndColumnInput) {
  // (N, 1) columns are flattened; float labels are truncated, as Keras's int cast.
  np::Array y = keras::utils::np_utils::to_categorical(
      np::Array::from_vector<double>({3.0, 1.0, 0.9}, {3, 1}));
  EXPECT_EQ(y.shape(), (np::Shape{3, 4}));
  EXPECT_EQ(y.at<float>(0, 3), 1.f);
  EXPECT_EQ(y.at<float>(1, 1), 1.f);
  EXPECT_EQ(y.at<float>(2, 0), 1.f);
}

TEST(ToCategorical, OutOfRangeIsValueError) {
  EXPECT_THROW(to_categorical(np::Array::from_vector<int64_t>({0, 10}, {2}), 10), keraspp::ValueError);
  EXPECT_THROW(to_categorical(np::Array::from_vector<int32_t>({-1}, {1}), 3), keraspp::ValueError);
  EXPECT_THROW(to_categorical(np::Array::empty({0}, np::int64)), keraspp::ValueError);
  EXPECT_EQ(to_categorical(np::Array::empty({0}, np::int64), 5).shape(), (np::Shape{0, 5}));
}

TEST(Normalize, L2RowsAndZeroRows) {
  np::Array x = np::Array::from_vector<float>({3, 4, 0, 0}, {2, 2});
  np::Array n = normalize(x);
  EXPECT_EQ(n.dtype(), np::float32);
  EXPECT_FLOAT_EQ(n.at<float>(0, 0), 0.6f);
  EXPECT_FLOAT_EQ(n.at<float>(0, 1), 0.8f);
  EXPECT_EQ(n.at<float>(1, 0), 0.f);  // a zero row stays zero
}

TEST(Normalize, AxisOrderAndDtypes) {
  np::Array x = np::Array::from_vector<double>({1, 2, 3, 6}, {2, 2});
  np::Array n0 = normalize(x, 0, 1);  // columns, L1
  EXPECT_EQ(n0.dtype(), np::float64);
  EXPECT_DOUBLE_EQ(n0.at<double>(0, 0), 0.25);
  EXPECT_DOUBLE_EQ(n0.at<double>(1, 1), 0.75);
  np::Array u = normalize(np::Array::from_vector<uint8_t>({0, 5}, {2}));
  EXPECT_EQ(u.dtype(), np::float32);
  EXPECT_EQ(u.to_vector<float>(), (std::vector<float>{0.f, 1.f}));
  // 3-d, middle axis.
  np::Array t = normalize(np::Array::from_vector<float>({3, 0, 4, 5}, {1, 2, 2}), 1);
  EXPECT_FLOAT_EQ(t.at<float>(0, 0, 0), 0.6f);
  EXPECT_FLOAT_EQ(t.at<float>(0, 1, 0), 0.8f);
  EXPECT_FLOAT_EQ(t.at<float>(0, 1, 1), 1.f);
  EXPECT_THROW(normalize(x, 2), keraspp::ValueError);
}

}  // namespace
