// The inputs of the binary elementwise ops and comparisons (math_binary.cc),
// shared with their kernels (kernels/cpu/math_binary.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// x, y: broadcast against each other (numpy rules).
inline constexpr ArgList kBinary{"x: T", "y: T"};

}  // namespace tf::schema
