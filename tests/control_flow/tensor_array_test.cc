// tf::TensorArray, tf::map_fn and tf::scan: values, gradients through the
// loops they build, and TF's errors for writes past the size.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/ops/tensor_array_ops.h"
#include "keraspp/tf.h"
#include "kernels/cpu/tensor_array_ops.h"
#include "support/expect_error.h"

namespace {

using V = std::vector<tf::Tensor>;
using kpp_test::message_of;

np::Array matrix(int64_t rows, int64_t cols, double scale) {
  np::Array a = np::Array::empty({rows, cols}, np::float64);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, scale * std::sin(0.7 * static_cast<double>(i) + 0.3));
  return a;
}

TEST(TensorArray, WriteReadStackUnstackGatherScatterSize) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({3, 2}));
  tf::TensorArray ta(tf::float64, 3, tf::TensorShape({2}));
  ta = ta.write(1, tf::gather(x, 2)).write(2, tf::gather(x, 0));
  const tf::TensorArray from_x = tf::TensorArray(tf::float64, 3).unstack(x);
  const tf::TensorArray scattered = from_x.scatter(tf::constant(np::Array::from_vector(std::vector<int32_t>{2, 0}, {2})),
                                                   tf::gather(x, tf::constant(np::Array::from_vector(std::vector<int32_t>{0, 1}, {2}))) * 10.0);
  tf::Session s(g);
  const np::Array xv = matrix(3, 2, 1.0);
  const auto r = s.run({ta.stack(), ta.read(1), from_x.gather(tf::constant(np::Array::from_vector(std::vector<int32_t>{2, 1}, {2}))),
                        scattered.stack(), ta.size()},
                       {{x, xv}});
  EXPECT_EQ(r[0].at<double>(0, 1), 0.0);
  EXPECT_EQ(r[0].at<double>(1, 0), xv.at<double>(2, 0));
  EXPECT_EQ(r[0].at<double>(2, 1), xv.at<double>(0, 1));
  EXPECT_EQ(r[1].get_flat(1), xv.at<double>(2, 1));
  EXPECT_EQ(r[2].at<double>(0, 0), xv.at<double>(2, 0));
  EXPECT_EQ(r[3].at<double>(2, 0), 10 * xv.at<double>(0, 0));
  EXPECT_EQ(r[3].at<double>(0, 1), 10 * xv.at<double>(1, 1));
  EXPECT_EQ(r[3].at<double>(1, 1), xv.at<double>(1, 1));
  EXPECT_EQ(r[4].item<double>(), 3.0);
}

TEST(TensorArray, WritePastTheSizeIsTfsError) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor i = tf::placeholder(tf::int32, tf::TensorShape::scalar());
  const tf::TensorArray ta = tf::TensorArray(tf::float32, 3, tf::TensorShape({2})).write(i, tf::constant(np::Array::from_vector(std::vector<float>{1, 2}, {2})));
  tf::Session s(g);
  EXPECT_NE(message_of<tf::errors::InvalidArgumentError>([&] { s.run(ta.stack(), {{i, 5}}); })
                .find("Tried to write to index 5 but array is not resizeable and size is: 3"),
            std::string::npos);
}

TEST(MapFn, AppliesTheFunctionToEachRowAndDifferentiates) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({-1, 3}));
  const tf::Tensor w = tf::placeholder(tf::float64, tf::TensorShape({3}));
  const tf::Tensor y = tf::map_fn([&](const tf::Tensor& row) { return tf::tanh(row * w); }, x);
  const V grads = tf::gradients(tf::reduce_sum(y), {x, w});
  tf::Session s(g);
  const np::Array xv = matrix(4, 3, 1.0), wv = matrix(1, 3, 0.8).reshape({3});
  const auto r = s.run({y, grads[0], grads[1]}, {{x, xv}, {w, wv}});
  ASSERT_EQ(r[0].shape(), (np::Shape{4, 3}));
  double dw0 = 0;
  for (int64_t i = 0; i < 4; ++i)
    for (int64_t j = 0; j < 3; ++j) {
      const double t = std::tanh(xv.at<double>(i, j) * wv.get_flat(j));
      EXPECT_NEAR(r[0].at<double>(i, j), t, 1e-15);
      EXPECT_NEAR(r[1].at<double>(i, j), (1 - t * t) * wv.get_flat(j), 1e-14);
      if (j == 0) dw0 += (1 - t * t) * xv.at<double>(i, j);
    }
  EXPECT_NEAR(r[2].get_flat(0), dw0, 1e-13);
}

TEST(Scan, AccumulatesWithAndWithoutInitializerAndDifferentiates) {
  tf::Graph g;
  auto guard = g.as_default();
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({-1, 2}));
  const tf::Tensor running = tf::scan([](const tf::Tensor& a, const tf::Tensor& row) { return a + row; }, x);
  const tf::Tensor decayed = tf::scan([](const tf::Tensor& a, const tf::Tensor& row) { return a * 0.5 + row; }, x,
                                      tf::constant(np::Array::from_vector(std::vector<double>{1, 1}, {2})));
  const tf::Tensor gx = tf::gradients(tf::reduce_sum(decayed), {x})[0];
  tf::Session s(g);
  const np::Array xv = matrix(3, 2, 1.0);
  const auto r = s.run({running, decayed, gx}, {{x, xv}});
  EXPECT_NEAR(r[0].at<double>(2, 1), xv.at<double>(0, 1) + xv.at<double>(1, 1) + xv.at<double>(2, 1), 1e-15);
  EXPECT_NEAR(r[1].at<double>(0, 0), 0.5 + xv.at<double>(0, 0), 1e-15);
  EXPECT_NEAR(r[1].at<double>(1, 0), 0.25 + 0.5 * xv.at<double>(0, 0) + xv.at<double>(1, 0), 1e-15);
  // Row 0 reaches outputs 0, 1, 2 with weights 1, 0.5, 0.25.
  EXPECT_NEAR(r[2].at<double>(0, 0), 1.75, 1e-15);
  EXPECT_NEAR(r[2].at<double>(2, 1), 1.0, 1e-15);
}

// Writes inside a while_loop update the flow in place: the loop donates the
// flow its body made back to the next iteration, so a run copies the flow
// once (the first write, from the loop's input) instead of once per write
// (O(T^2) bytes), and the steady state allocates nothing.
TEST(TensorArray, WritesInsideALoopAreInPlace) {
  tf::Graph g;
  auto guard = g.as_default();
  constexpr int64_t kSteps = 64, kWidth = 8;
  const tf::Tensor x = tf::placeholder(tf::float64, tf::TensorShape({kWidth}));
  const tf::TensorArray ta(tf::float64, kSteps, tf::TensorShape({kWidth}));
  const V r = tf::while_loop(
      [&](const V& v) { return tf::less(v[0], static_cast<int32_t>(kSteps)); },
      [&](const V& v) {
        return V{v[0] + 1, tf::TensorArray::from_flow(v[1]).write(v[0], x * tf::cast(v[0], tf::float64)).flow()};
      },
      {tf::constant(np::Array::scalar(int32_t{0})), ta.flow()});
  const tf::Tensor stacked = tf::TensorArray::from_flow(r[1]).stack();
  tf::Session s(g);
  const tf::FeedDict feeds{{x, matrix(1, kWidth, 1.0).reshape({kWidth})}};
  for (int i = 0; i < 2; ++i) s.run(stacked, feeds);
  const uint64_t copied_before = tf::kernels::tensor_array_write_bytes_copied();
  const uint64_t allocations_before = np::Storage::allocation_count();
  for (int i = 0; i < 3; ++i) s.run(stacked, feeds);
  EXPECT_EQ(np::Storage::allocation_count(), allocations_before);
  const uint64_t flow_bytes = kSteps * kWidth * sizeof(double);
  // Before: every write copied the flow (kSteps * flow_bytes per run).
  EXPECT_EQ(tf::kernels::tensor_array_write_bytes_copied() - copied_before, 3 * flow_bytes);
  const np::Array out = s.run(stacked, feeds);
  const np::Array xv = matrix(1, kWidth, 1.0);
  for (int64_t t = 0; t < kSteps; ++t)
    for (int64_t j = 0; j < kWidth; ++j) EXPECT_EQ(out.at<double>(t, j), xv.get_flat(j) * static_cast<double>(t));
}

}  // namespace
