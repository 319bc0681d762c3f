// The inputs of Transpose and ExpandDims (transpose_ops.cc), shared with their
// kernels (kernels/cpu/transpose_ops.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kTranspose{"x: T"};
inline constexpr ArgList kExpandDims{"input: T"};

}  // namespace tf::schema
