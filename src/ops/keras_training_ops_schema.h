// The inputs of the fused Keras optimizer updates (keras_training_ops.cc),
// shared with their kernels (kernels/cpu/keras_training_ops.cc): the
// parameter and its accumulators by reference, scalar hyper-parameters in
// the variable's dtype, and the gradient last.
#pragma once
#include "keraspp/graph/op_registry.h"

namespace tf::schema {

inline constexpr ArgList kKerasSGDUpdate{"p: Ref(T)", "m: Ref(T)", "lr: T", "momentum: T",
                                         "grad: T"};
inline constexpr ArgList kKerasRMSpropUpdate{"p: Ref(T)", "a: Ref(T)", "lr: T", "rho: T",
                                             "epsilon: T", "grad: T"};
inline constexpr ArgList kKerasAdagradUpdate{"p: Ref(T)", "a: Ref(T)", "lr: T", "epsilon: T",
                                             "grad: T"};
inline constexpr ArgList kKerasAdadeltaUpdate{"p: Ref(T)", "a: Ref(T)", "d: Ref(T)", "lr: T",
                                              "rho: T",    "epsilon: T", "grad: T"};
inline constexpr ArgList kKerasAdamUpdate{"p: Ref(T)", "m: Ref(T)", "v: Ref(T)", "lr_t: T",
                                          "beta_1: T", "beta_2: T", "epsilon: T", "grad: T"};
inline constexpr ArgList kKerasAdamaxUpdate{"p: Ref(T)", "m: Ref(T)", "u: Ref(T)", "lr_t: T",
                                            "beta_1: T", "beta_2: T", "epsilon: T", "grad: T"};
inline constexpr ArgList kKerasNadamUpdate{
    "p: Ref(T)", "m: Ref(T)", "v: Ref(T)",  "lr: T",     "beta_1: T", "beta_2: T", "epsilon: T",
    "g_scale: T", "m_scale: T", "v_scale: T", "mu_t: T", "mu_t1: T", "grad: T"};

}  // namespace tf::schema
