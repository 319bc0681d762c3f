// Plan-time op fusion, the part of TF's Grappler remapper that matters for
// Dense layers: MatMul -> BiasAdd (-> Relu) becomes one _FusedMatMul(Relu)
// step whose kernel adds the bias and applies relu while the product is
// still in cache, instead of two more passes over it. A chain is fused only
// when its intermediate values have no other reader and are not fetched
// (the gradient of relu reads relu's output, which the fused step produces).
#pragma once
#include "plan.h"

namespace tf::runtime {

// Rewrites plan.steps in place; needs in_slots, out_slots and plan.keep.
void fuse_matmul_epilogues(Plan& plan);

// The backward counterpart for Dense -> relu (-> dropout): ReluGrad and the
// BiasAddGrad summing its output (and a _FusedDropoutGrad feeding it, when
// relu's is its only reader) become one step with two outputs, dz and the
// bias gradient, computed in one pass over the [batch, units] values instead
// of three. Same rules: intermediates with other readers or kept stay.
void fuse_bias_add_grads(Plan& plan);

// An optimizer update and the MatMul computing its gradient (a Dense
// kernel's x^T . dy) become one step: the update's kernel computes the
// product a block of rows at a time and updates each block while it is in
// cache (kernels/cpu/fused_update.h), instead of writing the whole gradient
// out and reading it back. The step runs at the product's place when the
// update may move there (nothing in between touches its variables, its
// other inputs are ready and unchanged there), else at the update's place
// when no step in between writes a variable (the product's inputs could
// alias one); the product must have no other reader and not be fetched.
// Const steps are hoisted to the plan's front first.
void fuse_gradient_products(Plan& plan);

}  // namespace tf::runtime
