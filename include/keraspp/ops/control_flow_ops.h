// Control flow (tf.cond, tf.case, tf.while_loop), built as the functional
// ops If and While: branches and bodies are functions (sub-graphs with
// their own graph) that the runtime compiles into nested plans; only the
// branch taken runs (docs/architecture.md, "Control flow"). Tensors of the
// enclosing graph that a branch or body uses are captured as inputs.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/ops/builder.h"

namespace tf {

// tf.cond(pred, fn1, fn2): fn1's results when the scalar bool `pred` is
// true, else fn2's. Both must return as many tensors, of the same dtypes
// (ValueError otherwise, TF 1.1's wording). Ops "<name>/If".
std::vector<Tensor> cond(const TensorLike& pred, const std::function<std::vector<Tensor>()>& fn1,
                         const std::function<std::vector<Tensor>()>& fn2, const std::string& name = "cond");
Tensor cond(const TensorLike& pred, const std::function<Tensor()>& fn1, const std::function<Tensor()>& fn2,
            const std::string& name = "cond");

// tf.case(pred_fn_pairs, default): the fn of the first pair whose pred is
// true, else default's (nested conds, as TF 1.1 builds it).
using BranchFn = std::function<Tensor()>;
Tensor case_(const std::vector<std::pair<Tensor, BranchFn>>& pred_fn_pairs, const BranchFn& default_fn,
             const std::string& name = "case");

// tf.while_loop's keyword arguments.
struct WhileLoopOptions {
  // One per loop variable; empty: each variable's own shape, which the body
  // must then keep (ValueError otherwise, TF's "is not an invariant").
  std::vector<TensorShape> shape_invariants;
  // Accepted for TF's signature: one iteration depends on the last, so
  // iterations run in order (each iteration's ops use the kernels' threads).
  int parallel_iterations = 10;
  // false: no gradient flows through the loop, and nothing is kept for one.
  bool back_prop = true;
  // Stop after this many iterations even while cond holds; -1: no limit.
  int64_t maximum_iterations = -1;
  std::string name = "while";
};
using LoopCond = std::function<Tensor(const std::vector<Tensor>&)>;
using LoopBody = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// tf.while_loop(cond, body, loop_vars): repeats loop_vars = body(loop_vars)
// while cond(loop_vars) is true and returns the final loop_vars. The body
// returns as many tensors as there are loop variables, of their dtypes and
// invariant shapes. tf::gradients flows through it (back_prop): the forward
// loop keeps each iteration's loop variables, and the gradient runs the
// body's gradient for the run-time trip count in reverse. Op "<name>/While".
std::vector<Tensor> while_loop(const LoopCond& cond, const LoopBody& body, const std::vector<Tensor>& loop_vars,
                               const WhileLoopOptions& options = {});

}  // namespace tf
