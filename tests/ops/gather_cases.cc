// Conformance cases: Gather, GatherV2, UnsortedSegmentSum, OneHot. Indices are
// constants; repeated indices make the gradient sum rows.
#include "conformance.h"
#include "keraspp/ops/gather_ops.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

tf::Tensor ids(const std::vector<int32_t>& v, const np::Shape& s) {
  return tf::constant(np::Array::from_vector(v, s));
}

// Rows `rows` of x viewed as [outer, limit, inner].
np::Array take(const np::Array& x, const std::vector<int64_t>& rows, int64_t outer, int64_t limit,
               int64_t inner, const np::Shape& out_shape) {
  np::Array out = np::Array::empty(out_shape, np::float64);
  const double* src = x.data<double>();
  double* dst = out.data<double>();
  const auto n = static_cast<int64_t>(rows.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < inner; ++j)
        dst[(o * n + i) * inner + j] = src[(o * limit + rows[static_cast<size_t>(i)]) * inner + j];
  return out;
}

CONFORMANCE_CASE(Case{.op = "Gather", .input_shapes = {{5, 3}},
                      .build = [](const V& in) { return Built{tf::gather(in[0], ids({4, 0, 4, 2}, {4}))}; },
                      .reference = [](const A& x) { return take(x[0], {4, 0, 4, 2}, 1, 5, 3, {4, 3}); }});
CONFORMANCE_CASE(Case{.op = "Gather", .label = "2d_indices", .input_shapes = {{4, 2}},
                      .build = [](const V& in) {
                        return Built{tf::nn::embedding_lookup(in[0], ids({1, 1, 3, 0, 2, 1}, {2, 3}))};
                      },
                      .reference = [](const A& x) { return take(x[0], {1, 1, 3, 0, 2, 1}, 1, 4, 2, {2, 3, 2}); }});
CONFORMANCE_CASE(Case{.op = "GatherV2", .input_shapes = {{2, 5, 3}},
                      .build = [](const V& in) { return Built{tf::gather(in[0], ids({1, 4, 0, 1}, {2, 2}), 1)}; },
                      .reference = [](const A& x) { return take(x[0], {1, 4, 0, 1}, 2, 5, 3, {2, 2, 2, 3}); }});
CONFORMANCE_CASE(Case{.op = "GatherV2", .label = "last_axis", .input_shapes = {{3, 4}},
                      .build = [](const V& in) { return Built{tf::gather(in[0], ids({3, 3, 0}, {3}), -1)}; },
                      .reference = [](const A& x) { return take(x[0], {3, 3, 0}, 3, 4, 1, {3, 3}); }});
CONFORMANCE_CASE(Case{.op = "UnsortedSegmentSum", .input_shapes = {{4, 3}},
                      .build = [](const V& in) {
                        return Built{tf::unsorted_segment_sum(in[0], ids({2, 0, 2, 1}, {4}), 4)};
                      },
                      .reference = [](const A& x) {
                        np::Array out = np::zeros({4, 3}, np::float64);
                        const int seg[] = {2, 0, 2, 1};
                        for (int i = 0; i < 4; ++i)
                          for (int j = 0; j < 3; ++j) out.at<double>(seg[i], j) += x[0].at<double>(i, j);
                        return out;
                      }});
// on_value scales the hot positions: out = one_hot * x checks OneHot's layout
// (axis 0 puts depth first), the gradient flows to x only.
CONFORMANCE_CASE(Case{.op = "OneHot", .input_shapes = {{4, 3}},
                      .build = [](const V& in) {
                        return Built{tf::one_hot(ids({2, 0, 3}, {3}), 4, 1.0, 0.0, 0, in[0].dtype()) * in[0]};
                      },
                      .reference = [](const A& x) {
                        np::Array out = np::zeros({4, 3}, np::float64);
                        const int hot[] = {2, 0, 3};
                        for (int j = 0; j < 3; ++j) out.at<double>(hot[j], j) = x[0].at<double>(hot[j], j);
                        return out;
                      }});

}  // namespace
}  // namespace conformance
