// The inputs of TF's training ops (training_ops.cc), shared with their
// kernels (kernels/cpu/training_ops.cc), which index inputs by these names:
// the variable and its slots by reference, scalar hyper-parameters, and the
// gradient. Order is TF 1.x's.
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kApplyGradientDescent{"var: Ref(T)", "alpha: T", "delta: T"};
inline constexpr ArgList kApplyMomentum{"var: Ref(T)", "accum: Ref(T)", "lr: T", "grad: T",
                                        "momentum: T"};
inline constexpr ArgList kApplyAdagrad{"var: Ref(T)", "accum: Ref(T)", "lr: T", "grad: T"};
inline constexpr ArgList kApplyAdam{"var: Ref(T)", "m: Ref(T)",      "v: Ref(T)",
                                    "beta1_power: T", "beta2_power: T", "lr: T",
                                    "beta1: T",       "beta2: T",       "epsilon: T",
                                    "grad: T"};
inline constexpr ArgList kApplyRMSProp{"var: Ref(T)", "ms: Ref(T)", "mom: Ref(T)", "lr: T",
                                       "rho: T",      "momentum: T", "epsilon: T", "grad: T"};
inline constexpr ArgList kApplyCenteredRMSProp{
    "var: Ref(T)", "mg: Ref(T)", "ms: Ref(T)",  "mom: Ref(T)", "lr: T",
    "rho: T",      "momentum: T", "epsilon: T", "grad: T"};
inline constexpr ArgList kApplyAdadelta{"var: Ref(T)", "accum: Ref(T)", "accum_update: Ref(T)",
                                        "lr: T",       "rho: T",        "epsilon: T",
                                        "grad: T"};

}  // namespace tf::schema
