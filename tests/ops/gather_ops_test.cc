// tf::gather and friends beyond the conformance cases: names, static shapes,
// TF's run-time error for out-of-range indices, one_hot and sequence_mask
// values, and the IndexedSlices a gather's gradient is made of.
#include "support/expect_error.h"
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;

np::Array ints(const std::vector<int32_t>& v, const np::Shape& s) { return np::Array::from_vector(v, s); }

TEST(GatherOps, NamesAndShapes) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor params = tf::placeholder(tf::float32, tf::TensorShape({10, 4}));
  tf::Tensor ids = tf::placeholder(tf::int32, tf::TensorShape({-1, 7}));
  tf::Tensor e = tf::nn::embedding_lookup(params, ids);
  EXPECT_EQ(e.name(), "embedding_lookup:0");
  EXPECT_EQ(e.shape(), tf::TensorShape({-1, 7, 4}));
  EXPECT_EQ(tf::gather(params, ids).name(), "Gather:0");
  EXPECT_EQ(tf::gather(params, ids, 1).shape(), tf::TensorShape({10, -1, 7}));
  EXPECT_EQ(tf::one_hot(ids, 5).shape(), tf::TensorShape({-1, 7, 5}));
  EXPECT_EQ(tf::one_hot(ids, 5, 1, 0, 0).shape(), tf::TensorShape({5, -1, 7}));
  EXPECT_EQ(tf::unsorted_segment_sum(tf::placeholder(tf::float32, tf::TensorShape({-1, 7, 4})), ids, 3).shape(),
            tf::TensorShape({3, 4}));
}

TEST(GatherOps, OutOfRangeIndexAtRunTime) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor params = tf::placeholder(tf::float32, tf::TensorShape({10, 2}));
  tf::Tensor ids = tf::placeholder(tf::int32, tf::TensorShape({-1}));
  tf::Tensor e = tf::gather(params, ids);
  tf::Session s(g);
  EXPECT_THAT(message_of<tf::errors::InvalidArgumentError>(
                  [&] { s.run(e, {{params, np::zeros({10, 2})}, {ids, ints({0, 1, 2, 12}, {4})}}); }),
              ::testing::HasSubstr("indices[3] = 12 is not in [0, 10)"));
  EXPECT_THROW(s.run(e, {{params, np::zeros({10, 2})}, {ids, ints({-1}, {1})}}),
               tf::errors::InvalidArgumentError);
  const np::Array ok = s.run(e, {{params, np::zeros({10, 2})}, {ids, ints({9, 0}, {2})}});
  EXPECT_EQ(ok.shape(), (np::Shape{2, 2}));
}

TEST(GatherOps, OneHotAndSequenceMaskValues) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor hot = tf::one_hot(tf::constant(ints({1, 3, 0}, {3})), 3, 5.0, -1.0);
  tf::Tensor mask = tf::sequence_mask(tf::constant(ints({0, 2, 4}, {3})), 3, tf::float32);
  tf::Session s(g);
  const auto out = s.run({hot, mask});
  const std::vector<double> want_hot = {-1, 5, -1, -1, -1, -1, 5, -1, -1};  // 3 is out of depth: all off
  const std::vector<double> want_mask = {0, 0, 0, 1, 1, 0, 1, 1, 1};
  for (int i = 0; i < 9; ++i) {
    EXPECT_EQ(out[0].get_flat(i), want_hot[static_cast<size_t>(i)]) << i;
    EXPECT_EQ(out[1].get_flat(i), want_mask[static_cast<size_t>(i)]) << i;
  }
}

TEST(GatherOps, GradientIsIndexedSlices) {
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor params = tf::placeholder(tf::float32, tf::TensorShape({6, 2}));
  tf::Tensor ids = tf::constant(ints({4, 1, 4}, {3}));
  tf::Tensor loss = tf::reduce_sum(tf::nn::embedding_lookup(params, ids));
  tf::Tensor grad = tf::gradients(loss, {params})[0];
  const auto slices = tf::indexed_slices(grad);
  ASSERT_TRUE(slices.has_value());
  EXPECT_EQ(slices->values.shape(), tf::TensorShape({3, 2}));
  EXPECT_FALSE(tf::indexed_slices(loss).has_value());
  tf::Session s(g);
  const auto out = s.run({grad, slices->indices, slices->dense_shape}, {{params, np::zeros({6, 2})}});
  const std::vector<double> dense = {0, 0, 1, 1, 0, 0, 0, 0, 2, 2, 0, 0};
  for (int i = 0; i < 12; ++i) EXPECT_EQ(out[0].get_flat(i), dense[static_cast<size_t>(i)]);
  EXPECT_EQ(out[1].get_flat(2), 4);
  EXPECT_EQ(out[2].get_flat(0), 6);
}

}  // namespace

namespace {

TEST(StridedSlice, StaticShapesAndErrors) {
  tf::Graph g;
  auto guard = g.as_default();
  using S = tf::SliceSpec;
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({-1, 6, 4}));
  EXPECT_EQ(tf::strided_slice(x, {S::ellipsis(), S::range(1, -1)}).shape(), tf::TensorShape({-1, 6, 2}));
  EXPECT_EQ(tf::strided_slice(x, {S::range(), S::index(-1)}).shape(), tf::TensorShape({-1, 4}));
  EXPECT_EQ(tf::strided_slice(x, {S::range(), S::range(std::nullopt, std::nullopt, 4)}).shape(),
            tf::TensorShape({-1, 2, 4}));
  EXPECT_EQ(tf::strided_slice(x, {S::new_axis(), S::ellipsis()}).shape(), tf::TensorShape({1, -1, 6, 4}));
  EXPECT_EQ(tf::strided_slice(x, {S::index(0), S::range(10, 20)}).name(), "strided_slice_4:0");
  EXPECT_THAT(message_of<keraspp::ValueError>([&] { tf::strided_slice(x, {S::range(), S::index(6)}); }),
              ::testing::HasSubstr("slice index 6 of dimension 1 out of bounds."));
  tf::Tensor y = tf::placeholder(tf::float32, tf::TensorShape({-1}));
  tf::Tensor last = tf::strided_slice(y, {S::index(3)});
  tf::Session s(g);
  EXPECT_THAT(message_of<tf::errors::InvalidArgumentError>([&] { s.run(last, {{y, np::zeros({2})}}); }),
              ::testing::HasSubstr("slice index 3 of dimension 0 out of bounds."));
}

}  // namespace
