// Variable state ops: VariableV2 (the variable's storage, living in the
// Session), Assign, AssignAdd, AssignSub, IsVariableInitialized.
#pragma once
#include "keraspp/ops/builder.h"

namespace tf {

// A raw variable node of fixed dtype/shape; tf::Variable wraps it.
Tensor variable_v2(DType dtype, const TensorShape& shape, const std::string& name = "");
// ref: a VariableV2 output. Returns the new value.
Tensor assign(const Tensor& ref, const TensorLike& value, bool validate_shape = true,
              const std::string& name = "");
Tensor assign_add(const Tensor& ref, const TensorLike& value, const std::string& name = "");
Tensor assign_sub(const Tensor& ref, const TensorLike& value, const std::string& name = "");
// -> bool scalar.
Tensor is_variable_initialized(const Tensor& ref, const std::string& name = "");

}  // namespace tf
