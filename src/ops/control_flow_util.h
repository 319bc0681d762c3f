// Shared by the functional control-flow ops (control_flow_ops.cc: If;
// while_loop.cc: While, WhileGrad): their output dtypes and shapes travel
// as list(int) attrs, since a shape function sees attrs and inputs only.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph_impl.h"
#include "keraspp/graph/op_registry.h"

namespace tf::control_flow {

// [dtype, rank, dims...] per tensor; rank -1 for an unknown rank.
inline std::vector<int64_t> encode_signature(const std::vector<DType>& dtypes,
                                             const std::vector<TensorShape>& shapes) {
  std::vector<int64_t> out;
  for (size_t i = 0; i < dtypes.size(); ++i) {
    out.push_back(static_cast<int64_t>(dtypes[i]));
    out.push_back(shapes[i].rank());
    for (int64_t d : shapes[i].dims()) out.push_back(d);
  }
  return out;
}

// Sets outputs first, first+1, ... from an encoded signature; with
// `leading_dim`, each shape gets a leading dimension of unknown size.
inline int set_outputs(InferenceContext& c, const std::vector<int64_t>& sig, int first,
                       bool leading_dim = false) {
  size_t p = 0;
  int k = first;
  while (p < sig.size()) {
    const auto dtype = static_cast<DType>(sig[p]);
    const int64_t rank = sig[p + 1];
    p += 2;
    TensorShape shape;
    if (rank >= 0) {
      std::vector<int64_t> dims(sig.begin() + static_cast<long>(p), sig.begin() + static_cast<long>(p + static_cast<size_t>(rank)));
      if (leading_dim) dims.insert(dims.begin(), -1);
      shape = TensorShape(dims);
      p += static_cast<size_t>(rank);
    }
    c.set_output(k++, dtype, shape);
  }
  return k;
}

// The list(int) attr's entries as indices.
inline std::vector<int> indices(const std::vector<int64_t>& v) { return {v.begin(), v.end()}; }

}  // namespace tf::control_flow
