// Conformance cases: Pack, Unpack, Tile, Squeeze, ReverseV2, Slice, SliceGrad.
// References index float64 arrays by coordinates.
#include "conformance.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/stack_ops.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

// out[i, j, k] = f(i, j, k) for a rank-3 out shape.
template <class F> np::Array make3(const np::Shape& s, const F& f) {
  np::Array out = np::Array::empty(s, np::float64);
  for (int64_t i = 0; i < s[0]; ++i)
    for (int64_t j = 0; j < s[1]; ++j)
      for (int64_t k = 0; k < s[2]; ++k) out.at<double>(i, j, k) = f(i, j, k);
  return out;
}
template <class F> np::Array make2(const np::Shape& s, const F& f) {
  np::Array out = np::Array::empty(s, np::float64);
  for (int64_t i = 0; i < s[0]; ++i)
    for (int64_t j = 0; j < s[1]; ++j) out.at<double>(i, j) = f(i, j);
  return out;
}

CONFORMANCE_CASE(Case{.op = "Pack", .input_shapes = {{2, 3}, {2, 3}, {2, 3}},
                      .build = [](const V& in) { return Built{tf::stack(in, 1)}; },
                      .reference = [](const A& x) {
                        return make3({2, 3, 3}, [&](int64_t i, int64_t j, int64_t k) { return x[j].at<double>(i, k); });
                      }});
CONFORMANCE_CASE(Case{.op = "Pack", .label = "axis0", .input_shapes = {{2, 3}, {2, 3}},
                      .build = [](const V& in) { return Built{tf::stack(in)}; },
                      .reference = [](const A& x) {
                        return make3({2, 2, 3}, [&](int64_t i, int64_t j, int64_t k) { return x[i].at<double>(j, k); });
                      }});
// The parts weighted differently, so each output's gradient is checked.
CONFORMANCE_CASE(Case{.op = "Unpack", .input_shapes = {{2, 3, 2}},
                      .build = [](const V& in) {
                        const auto parts = tf::unstack(in[0], -1, 1);
                        return Built{parts[0] + parts[1] * 2.0 - parts[2] * 3.0};
                      },
                      .reference = [](const A& x) {
                        return make2({2, 2}, [&](int64_t i, int64_t k) {
                          return x[0].at<double>(i, 0, k) + 2 * x[0].at<double>(i, 1, k) - 3 * x[0].at<double>(i, 2, k);
                        });
                      }});
CONFORMANCE_CASE(Case{.op = "Unpack", .label = "unused_output", .input_shapes = {{3, 2}},
                      .build = [](const V& in) { return Built{tf::unstack(in[0])[1]}; },
                      .reference = [](const A& x) {
                        np::Array out = np::Array::empty({2}, np::float64);
                        for (int k = 0; k < 2; ++k) out.set_flat(k, x[0].at<double>(1, k));
                        return out;
                      }});
CONFORMANCE_CASE(Case{.op = "Tile", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::tile(in[0], std::vector<int64_t>{2, 3})}; },
                      .reference = [](const A& x) {
                        return make2({4, 9}, [&](int64_t i, int64_t j) { return x[0].at<double>(i % 2, j % 3); });
                      }});
CONFORMANCE_CASE(Case{.op = "Squeeze", .input_shapes = {{2, 1, 3, 1}},
                      .build = [](const V& in) { return Built{tf::squeeze(in[0])}; },
                      .reference = [](const A& x) { return x[0].reshape({2, 3}); }});
CONFORMANCE_CASE(Case{.op = "Squeeze", .label = "one_axis", .input_shapes = {{2, 1, 3, 1}},
                      .build = [](const V& in) { return Built{tf::squeeze(in[0], {-1})}; },
                      .reference = [](const A& x) { return x[0].reshape({2, 1, 3}); }});
CONFORMANCE_CASE(Case{.op = "ReverseV2", .input_shapes = {{2, 3, 4}},
                      .build = [](const V& in) { return Built{tf::reverse(in[0], {0, -1})}; },
                      .reference = [](const A& x) {
                        return make3({2, 3, 4}, [&](int64_t i, int64_t j, int64_t k) { return x[0].at<double>(1 - i, j, 3 - k); });
                      }});
CONFORMANCE_CASE(Case{.op = "Slice", .input_shapes = {{3, 5}},
                      .build = [](const V& in) { return Built{tf::slice(in[0], {1, 1}, {2, -1})}; },
                      .reference = [](const A& x) {
                        return make2({2, 4}, [&](int64_t i, int64_t j) { return x[0].at<double>(i + 1, j + 1); });
                      }});
// Built directly: grad [2, 2] placed at (1, 2) in zeros of input's shape [3, 5].
CONFORMANCE_CASE(Case{.op = "SliceGrad", .input_shapes = {{2, 2}, {3, 5}},
                      .build = [](const V& in) {
                        const tf::Tensor at = tf::constant(np::Array::from_vector(std::vector<int32_t>{1, 2}, {2}));
                        const tf::Tensor size = tf::constant(np::Array::from_vector(std::vector<int32_t>{2, 2}, {2}));
                        return Built{tf::op_builder::create1("SliceGrad", {in[0], in[1], at, size})};
                      },
                      .reference = [](const A& x) {
                        return make2({3, 5}, [&](int64_t i, int64_t j) {
                          return i >= 1 && j >= 2 && j < 4 ? x[0].at<double>(i - 1, j - 2) : 0.0;
                        });
                      }});

}  // namespace
}  // namespace conformance

namespace conformance {
namespace {

// Batch 3 on axis 1, time on axis 0 (TF's time-major use): lengths 2, 0, 4.
CONFORMANCE_CASE(Case{.op = "ReverseSequence", .input_shapes = {{4, 3, 2}},
                      .build = [](const std::vector<tf::Tensor>& in) {
                        const tf::Tensor lengths = tf::constant(np::Array::from_vector(std::vector<int64_t>{2, 0, 4}, {3}));
                        return Built{tf::reverse_sequence(in[0], lengths, 0, 1)};
                      },
                      .reference = [](const std::vector<np::Array>& x) {
                        const int64_t len[] = {2, 0, 4};
                        return make3({4, 3, 2}, [&](int64_t t, int64_t b, int64_t k) {
                          return x[0].at<double>(t < len[b] ? len[b] - 1 - t : t, b, k);
                        });
                      }});

}  // namespace
}  // namespace conformance
