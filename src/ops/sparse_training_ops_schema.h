// The inputs of the sparse variable updates (sparse_training_ops.cc):
// ScatterAdd/ScatterSub and TF's SparseApply* ops, shared with their kernels
// (kernels/cpu/sparse_training_ops.cc). `indices` name rows of the variable;
// updates / grad are indices.shape + the variable's row shape. TF 1.x's order.
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kScatterAdd{"ref: Ref(T)", "indices: Tindices", "updates: T"};
inline constexpr ArgList kSparseApplyAdagrad{"var: Ref(T)", "accum: Ref(T)", "lr: T", "grad: T",
                                             "indices: Tindices"};
inline constexpr ArgList kSparseApplyMomentum{"var: Ref(T)", "accum: Ref(T)", "lr: T", "grad: T",
                                              "indices: Tindices", "momentum: T"};
inline constexpr ArgList kSparseApplyRMSProp{"var: Ref(T)", "ms: Ref(T)",      "mom: Ref(T)",
                                             "lr: T",       "rho: T",          "momentum: T",
                                             "epsilon: T",  "grad: T",         "indices: Tindices"};

}  // namespace tf::schema
