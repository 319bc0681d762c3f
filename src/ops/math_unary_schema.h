// The input of the unary elementwise ops (math_unary.cc), shared with their
// kernels (kernels/cpu/math_unary.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kUnary{"x: T"};

}  // namespace tf::schema
