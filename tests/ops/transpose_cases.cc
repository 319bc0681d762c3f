// Conformance cases: Transpose and ExpandDims.
#include "conformance.h"
#include "keraspp/ops/transpose_ops.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

// out[i, j, k] = x[perm-indexed], written out for a (2, 3, 4) input.
np::Array permuted(const np::Array& x, const std::vector<int>& perm) {
  const np::Shape& s = x.shape();
  np::Shape os;
  for (int p : perm) os.push_back(s[static_cast<size_t>(p)]);
  np::Array out = np::Array::empty(os, np::float64);
  int64_t idx[3];
  for (idx[0] = 0; idx[0] < s[0]; ++idx[0])
    for (idx[1] = 0; idx[1] < s[1]; ++idx[1])
      for (idx[2] = 0; idx[2] < s[2]; ++idx[2])
        out.at<double>(idx[perm[0]], idx[perm[1]], idx[perm[2]]) = x.at<double>(idx[0], idx[1], idx[2]);
  return out;
}

CONFORMANCE_CASE(Case{.op = "Transpose", .label = "2d", .input_shapes = {{3, 5}},
                      .build = [](const V& in) { return Built{tf::transpose(in[0])}; },
                      .reference = [](const A& x) {
                        np::Array out = np::Array::empty({5, 3}, np::float64);
                        for (int i = 0; i < 3; ++i)
                          for (int j = 0; j < 5; ++j) out.at<double>(j, i) = x[0].at<double>(i, j);
                        return out;
                      }});
CONFORMANCE_CASE(Case{.op = "Transpose", .label = "021", .input_shapes = {{2, 3, 4}},
                      .build = [](const V& in) { return Built{tf::transpose(in[0], {0, 2, 1})}; },
                      .reference = [](const A& x) { return permuted(x[0], {0, 2, 1}); }});
CONFORMANCE_CASE(Case{.op = "Transpose", .label = "201", .input_shapes = {{2, 3, 4}},
                      .build = [](const V& in) { return Built{tf::transpose(in[0], {2, 0, 1})}; },
                      .reference = [](const A& x) { return permuted(x[0], {2, 0, 1}); }});
CONFORMANCE_CASE(Case{.op = "ExpandDims", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::expand_dims(in[0], 1)}; },
                      .reference = [](const A& x) { return x[0].reshape({2, 1, 3}); }});
CONFORMANCE_CASE(Case{.op = "ExpandDims", .label = "last", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::expand_dims(in[0], -1)}; },
                      .reference = [](const A& x) { return x[0].reshape({2, 3, 1}); }});

}  // namespace
}  // namespace conformance
