// StridedSlice and StridedSliceGrad (strided_slice.cc): their inputs and the
// resolution of begin/end/strides and the five masks against an input shape
// (TF's ValidateStridedSliceOp), shared by the shape function and the kernels
// (kernels/cpu/strided_slice.cc).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kStridedSlice{"input: T", "begin: Index", "end: Index", "strides: Index"};
// The gradient: dy placed into zeros of `shape` (the forward input's).
inline constexpr ArgList kStridedSliceGrad{"shape: Index", "begin: Index", "end: Index",
                                           "strides: Index", "dy: T"};

}  // namespace tf::schema

namespace tf::strided {

struct Masks {
  int64_t begin = 0, end = 0, ellipsis = 0, new_axis = 0, shrink_axis = 0;
};

// Per input dim: the first index, the step and the count taken (count -1:
// unknown, from an unknown dim); the output shape (new axes in, shrunk axes out).
struct Resolved {
  std::vector<int64_t> start, stride, count;
  std::vector<int64_t> output;
};

inline int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : (v > hi ? hi : v); }

// shape: the input's dims (-1 unknown). Throws std::invalid_argument with
// TF's text on a bad spec.
inline Resolved resolve(const std::vector<int64_t>& shape, const std::vector<int64_t>& begin,
                        const std::vector<int64_t>& end, const std::vector<int64_t>& strides, const Masks& m) {
  const size_t n = begin.size();
  if (end.size() != n || strides.size() != n)
    throw std::invalid_argument("Expected begin, end, and strides to be 1D equal size tensors, but got shapes [" +
                                std::to_string(n) + "], [" + std::to_string(end.size()) + "], and [" +
                                std::to_string(strides.size()) + "] instead.");
  size_t real = 0;
  bool has_ellipsis = false;
  for (size_t i = 0; i < n; ++i) {
    if (m.ellipsis & (int64_t{1} << i)) {
      if (has_ellipsis) throw std::invalid_argument("Multiple ellipses in slice spec not allowed");
      has_ellipsis = true;
    } else if (!(m.new_axis & (int64_t{1} << i))) {
      ++real;
    }
  }
  const size_t rank = shape.size();
  if (real > rank)
    throw std::invalid_argument("Index out of range using input dim " + std::to_string(rank) +
                                "; input has only " + std::to_string(rank) + " dims");
  Resolved r;
  size_t dim = 0;
  auto full = [&](size_t d) {
    r.start.push_back(0);
    r.stride.push_back(1);
    r.count.push_back(shape[d]);
    r.output.push_back(shape[d]);
  };
  for (size_t i = 0; i < n; ++i) {
    const int64_t bit = int64_t{1} << i;
    if (m.ellipsis & bit) {
      for (size_t k = 0; k < rank - real; ++k) full(dim++);
      continue;
    }
    if (m.new_axis & bit) {
      r.output.push_back(1);
      continue;
    }
    const int64_t size = shape[dim], s = strides[i];
    if (s == 0) throw std::invalid_argument("strides[" + std::to_string(i) + "] must be non-zero");
    const bool shrink = m.shrink_axis & bit;
    if (size < 0) {  // unknown extent: unknown count, unless one index is taken
      r.start.push_back(begin[i]);
      r.stride.push_back(s);
      r.count.push_back(shrink ? 1 : -1);
      if (!shrink) r.output.push_back(-1);
      ++dim;
      continue;
    }
    int64_t b = begin[i], e = end[i];
    if (shrink) {
      if (b < 0) b += size;
      if (b < 0 || b >= size)
        throw std::invalid_argument("slice index " + std::to_string(begin[i]) + " of dimension " +
                                    std::to_string(dim) + " out of bounds.");
      r.start.push_back(b);
      r.stride.push_back(1);
      r.count.push_back(1);
      ++dim;
      continue;
    }
    const int64_t lo = s > 0 ? 0 : -1, hi = s > 0 ? size : size - 1;
    b = (m.begin & bit) ? (s > 0 ? 0 : size - 1) : clamp(b < 0 ? b + size : b, lo, hi);
    e = (m.end & bit) ? (s > 0 ? size : -1) : clamp(e < 0 ? e + size : e, lo, hi);
    const int64_t c = s > 0 ? (e > b ? (e - b + s - 1) / s : 0) : (b > e ? (b - e - s - 1) / -s : 0);
    r.start.push_back(b);
    r.stride.push_back(s);
    r.count.push_back(c);
    r.output.push_back(c);
    ++dim;
  }
  while (dim < rank) full(dim++);  // the implicit trailing ellipsis
  return r;
}

}  // namespace tf::strided
