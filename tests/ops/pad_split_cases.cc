// Conformance cases: Pad, Split, SplitV. References index float64 arrays by
// coordinates; split parts are weighted differently so each part's gradient
// is checked.
#include "conformance.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/pad_split_ops.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

np::Array make3(const np::Shape& s, const std::function<double(int64_t, int64_t, int64_t)>& f) {
  np::Array out = np::Array::empty(s, np::float64);
  for (int64_t i = 0; i < s[0]; ++i)
    for (int64_t j = 0; j < s[1]; ++j)
      for (int64_t k = 0; k < s[2]; ++k) out.at<double>(i, j, k) = f(i, j, k);
  return out;
}

// [2, 3, 2] padded (0, 1), (2, 1), (1, 0) -> [3, 6, 3].
CONFORMANCE_CASE(Case{.op = "Pad", .input_shapes = {{2, 3, 2}},
                      .build = [](const V& in) { return Built{tf::pad(in[0], {{0, 1}, {2, 1}, {1, 0}})}; },
                      .reference = [](const A& x) {
                        return make3({3, 6, 3}, [&](int64_t i, int64_t j, int64_t k) {
                          const bool inside = i < 2 && j >= 2 && j < 5 && k >= 1;
                          return inside ? x[0].at<double>(i, j - 2, k - 1) : 0.0;
                        });
                      }});
// Padding only the innermost axis (rows of length 1 after the copy).
CONFORMANCE_CASE(Case{.op = "Pad", .label = "last_axis", .input_shapes = {{3, 1}},
                      .build = [](const V& in) { return Built{tf::pad(in[0], {{0, 0}, {2, 3}})}; },
                      .reference = [](const A& x) {
                        np::Array out = np::zeros({3, 6}, np::float64);
                        for (int64_t i = 0; i < 3; ++i) out.at<double>(i, 2) = x[0].at<double>(i, 0);
                        return out;
                      }});

CONFORMANCE_CASE(Case{.op = "Split", .input_shapes = {{2, 6, 2}},
                      .build = [](const V& in) {
                        const auto parts = tf::split(in[0], 3, 1);
                        return Built{parts[0] - parts[1] * 2.0 + parts[2] * 3.0};
                      },
                      .reference = [](const A& x) {
                        return make3({2, 2, 2}, [&](int64_t i, int64_t j, int64_t k) {
                          const np::Array& a = x[0];
                          return a.at<double>(i, j, k) - 2 * a.at<double>(i, j + 2, k) + 3 * a.at<double>(i, j + 4, k);
                        });
                      }});
// An unused part gets zeros in the gradient.
CONFORMANCE_CASE(Case{.op = "Split", .label = "unused_part_negative_axis", .input_shapes = {{2, 4}},
                      .build = [](const V& in) { return Built{tf::split(in[0], 2, -1)[1]}; },
                      .reference = [](const A& x) {
                        np::Array out = np::Array::empty({2, 2}, np::float64);
                        for (int64_t i = 0; i < 2; ++i)
                          for (int64_t j = 0; j < 2; ++j) out.at<double>(i, j) = x[0].at<double>(i, j + 2);
                        return out;
                      }});

// Sizes 1, rest (= 3), 2 along axis 0 of [6, 2, 1]; the parts summed as [1, 2, 1] slices.
CONFORMANCE_CASE(Case{.op = "SplitV", .input_shapes = {{6, 2, 1}},
                      .build = [](const V& in) {
                        const auto parts = tf::split(in[0], std::vector<int64_t>{1, -1, 2}, 0);
                        const auto middle = tf::split(parts[1], 3, 0);
                        const auto last = tf::split(parts[2], 2, 0);
                        return Built{parts[0] + middle[2] * 2.0 - last[1] * 3.0};
                      },
                      .reference = [](const A& x) {
                        return make3({1, 2, 1}, [&](int64_t, int64_t j, int64_t) {
                          const np::Array& a = x[0];
                          return a.at<double>(0, j, 0) + 2 * a.at<double>(3, j, 0) - 3 * a.at<double>(5, j, 0);
                        });
                      }});

}  // namespace
}  // namespace conformance
