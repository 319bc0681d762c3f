// tf.strided_slice (op "StridedSlice") and Python-style slicing of tensors.
#pragma once
#include <optional>
#include <vector>

#include "keraspp/ops/builder.h"

namespace tf {

// TF's mask arguments: bit i applies to spec entry i.
struct StridedSliceMasks {
  int64_t begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0, shrink_axis_mask = 0;
};

// input[begin[i]:end[i]:strides[i]] per entry, with TF's masks (strides
// empty: all 1). Out-of-range begin/end clamp as in Python; a shrunk index
// out of range raises ("slice index 7 of dimension 0 out of bounds.").
Tensor strided_slice(const Tensor& input, const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                     const std::vector<int64_t>& strides = {}, const StridedSliceMasks& masks = {},
                     const std::string& name = "");

// One entry of a Python subscript: x[1:, ..., tf.newaxis, 2] is
// {range(1), ellipsis(), new_axis(), index(2)}.
struct SliceSpec {
  enum class Kind { kRange, kIndex, kEllipsis, kNewAxis };
  Kind kind = Kind::kRange;
  std::optional<int64_t> begin, end;  // absent: from the start / to the end
  int64_t step = 1;
  static SliceSpec range(std::optional<int64_t> b = std::nullopt, std::optional<int64_t> e = std::nullopt,
                         int64_t step = 1) {
    return {Kind::kRange, b, e, step};
  }
  static SliceSpec index(int64_t i) { return {Kind::kIndex, i, std::nullopt, 1}; }
  static SliceSpec ellipsis() { return {Kind::kEllipsis, std::nullopt, std::nullopt, 1}; }
  static SliceSpec new_axis() { return {Kind::kNewAxis, std::nullopt, std::nullopt, 1}; }
};
// x[spec...] as Python's Tensor.__getitem__ builds it (one StridedSlice).
Tensor strided_slice(const Tensor& input, const std::vector<SliceSpec>& spec, const std::string& name = "");

}  // namespace tf
