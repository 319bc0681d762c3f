// The inputs of the identity-like array ops (array_ops.cc), shared with their
// kernels (kernels/cpu/array_ops.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// Identity, StopGradient: the value passed through.
inline constexpr ArgList kIdentity{"input: T"};
// PlaceholderWithDefault: the default, passed through when not fed.
inline constexpr ArgList kPlaceholderWithDefault{"input: dtype"};

}  // namespace tf::schema
