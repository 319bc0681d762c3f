// Conformance cases: StridedSlice (ranges with negative steps, ellipsis,
// new and shrunk axes) and StridedSliceGrad.
#include "conformance.h"
#include "keraspp/ops/strided_slice.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;
using S = tf::SliceSpec;

np::Array make(const np::Shape& s, const std::function<double(int64_t, int64_t)>& f) {
  np::Array out = np::Array::empty(s, np::float64);
  for (int64_t i = 0; i < s[0]; ++i)
    for (int64_t j = 0; j < s[1]; ++j) out.at<double>(i, j) = f(i, j);
  return out;
}

// x[1:, ::-2] of a [3, 5]: rows 1, 2; columns 4, 2, 0.
CONFORMANCE_CASE(Case{.op = "StridedSlice", .label = "negative_step", .input_shapes = {{3, 5}},
                      .build = [](const V& in) {
                        return Built{tf::strided_slice(in[0], {S::range(1), S::range(std::nullopt, std::nullopt, -2)})};
                      },
                      .reference = [](const A& x) {
                        return make({2, 3}, [&](int64_t i, int64_t j) { return x[0].at<double>(i + 1, 4 - 2 * j); });
                      }});
// x[..., 1] of a [2, 3, 4] -> [2, 3].
CONFORMANCE_CASE(Case{.op = "StridedSlice", .label = "ellipsis_shrink", .input_shapes = {{2, 3, 4}},
                      .build = [](const V& in) { return Built{tf::strided_slice(in[0], {S::ellipsis(), S::index(1)})}; },
                      .reference = [](const A& x) {
                        return make({2, 3}, [&](int64_t i, int64_t j) { return x[0].at<double>(i, j, 1); });
                      }});
// x[-1, tf.newaxis, 1:3] of a [3, 4] -> [1, 2].
CONFORMANCE_CASE(Case{.op = "StridedSlice", .label = "new_axis", .input_shapes = {{3, 4}},
                      .build = [](const V& in) {
                        return Built{tf::strided_slice(in[0], {S::index(-1), S::new_axis(), S::range(1, 3)})};
                      },
                      .reference = [](const A& x) {
                        return make({1, 2}, [&](int64_t, int64_t j) { return x[0].at<double>(2, j + 1); });
                      }});
// dy [2, 3] placed as x[1:, ::-2] of a [3, 5].
CONFORMANCE_CASE(Case{.op = "StridedSliceGrad", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        auto ints = [](std::vector<int32_t> v) {
                          const auto n = static_cast<int64_t>(v.size());
                          return tf::constant(np::Array::from_vector(v, {n}));
                        };
                        return Built{tf::op_builder::create1(
                            "StridedSliceGrad", {ints({3, 5}), ints({1, 0}), ints({0, 0}), ints({1, -2}), in[0]},
                            {{"begin_mask", int64_t{2}}, {"end_mask", int64_t{3}}, {"ellipsis_mask", int64_t{0}},
                             {"new_axis_mask", int64_t{0}}, {"shrink_axis_mask", int64_t{0}}})};
                      },
                      .reference = [](const A& x) {
                        return make({3, 5}, [&](int64_t i, int64_t j) {
                          return i >= 1 && j % 2 == 0 ? x[0].at<double>(i - 1, (4 - j) / 2) : 0.0;
                        });
                      }});

}  // namespace
}  // namespace conformance
