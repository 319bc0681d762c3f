// Fused optimizer updates (TF's training ops): each updates one variable (and
// its slots) in place in a single kernel. `var`/slots are VariableV2 refs;
// hyper-parameters are scalar tensors of the variable's dtype.
#pragma once
#include "keraspp/ops/builder.h"

namespace tf {

// var -= alpha * delta
Tensor apply_gradient_descent(const Tensor& var, const Tensor& alpha, const Tensor& delta,
                              const std::string& name = "ApplyGradientDescent");

}  // namespace tf
