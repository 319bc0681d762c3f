// The input of the random ops (random_ops.cc), shared with their kernels
// (kernels/cpu/random_ops.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// shape: the output's, 1-d int32 or int64.
inline constexpr ArgList kRandom{"shape: T"};

}  // namespace tf::schema
