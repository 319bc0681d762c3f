// The global step: an int64 scalar variable "global_step" in the GLOBAL_STEP
// collection (not trainable) that apply_gradients increments once per step.
#pragma once
#include <optional>

#include "keraspp/variables/variable.h"

namespace tf::train {

// The graph's global step (default graph when not given): the GLOBAL_STEP
// collection's variable, else a global variable named "global_step:0", else
// none. TypeError when the collection holds several (TF logs this and returns
// None; an exception is not missed) or it is not an integer scalar.
std::optional<Variable> get_global_step(std::optional<Graph> graph = std::nullopt);
// Creates it (zeros initializer, at the graph's root name scope); ValueError
// '"global_step" already exists.' when the graph has one.
Variable create_global_step(std::optional<Graph> graph = std::nullopt);
Variable get_or_create_global_step(std::optional<Graph> graph = std::nullopt);

}  // namespace tf::train
