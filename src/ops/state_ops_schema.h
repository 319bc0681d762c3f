// The inputs of the variable ops (state_ops.cc), shared with their kernels
// (kernels/cpu/state_ops.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// Assign, AssignAdd, AssignSub: the variable by reference, then the value.
inline constexpr ArgList kAssign{"ref: Ref(T)", "value: T"};
inline constexpr ArgList kIsVariableInitialized{"ref: Ref(dtype)"};

}  // namespace tf::schema
