// The inputs of MatMul and its plan-fused forms (matmul.cc), shared with
// their kernels (kernels/cpu/matmul.cc).
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

// a: [m, k] (or [k, m] with transpose_a), b: [k, n] (or [n, k]).
inline constexpr ArgList kMatMul{"a: T", "b: T"};
// MatMul -> BiasAdd (-> Relu): the product's a and b, then bias: [n].
inline constexpr ArgList kFusedMatMul{"a: T", "b: T", "bias: T"};

}  // namespace tf::schema
