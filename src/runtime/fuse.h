// Plan-time op fusion, the part of TF's Grappler remapper that matters for
// Dense layers. Which chains fuse is data: the fusion table of
// op_registry.h, each row declared next to its fused op (a registered,
// plan-only OpDef with its own kernel): MatMul -> BiasAdd (-> Relu) becomes
// one _FusedMatMul(Relu) step adding the bias and applying relu while the
// product is still in cache; backward, ReluGrad and the BiasAddGrad summing
// its output (after a _FusedDropoutGrad) become one two-output step. One
// matcher applies the rules to every row: a link whose value is not an
// output of the fused step must be its next link's only reader and not be
// fetched or fed; no link has control inputs. Nothing here names an op type.
#pragma once
#include "plan.h"

namespace tf::runtime {

// The kernel of `op` for `dtype` on the plan's device, or null. Every
// kernel lookup of the rewrites goes through here.
const kernels::KernelFn* find_kernel(const std::string& op, np::Device device, DType dtype);

// Applies the fusion table to plan.steps in place, longest patterns first;
// needs in_slots, out_slots and plan.keep.
void fuse_chains(Plan& plan);

// An optimizer update and the MatMul computing its gradient (a Dense
// kernel's x^T . dy) become one step (fuse_gradient_product.cc): the
// update's kernel computes the product a block of rows at a time and updates
// each block while it is in cache (kernels/cpu/fused_update.h), instead of
// writing the whole gradient out and reading it back. Which updates take a
// product, and at which input, is their OpDef's gradient_product. The step
// runs at the product's place when the update may move there (nothing in
// between touches its variables, its other inputs are ready and unchanged
// there), else at the update's place when no step in between writes a
// variable (the product's inputs could alias one); the product must have no
// other reader and not be fetched. Constant steps are hoisted to the plan's
// front first.
void fuse_gradient_products(Plan& plan);

}  // namespace tf::runtime
