// tf::gradients: symbolic differentiation by building the backward subgraph
// from each op's registered gradient function.
#pragma once
#include <vector>

#include "keraspp/graph/graph.h"

namespace tf {

// d(sum(ys))/d(xs), weighted by grad_ys (default: ones). Paths are summed;
// stop_gradient and non-differentiable ops block flow; an x that no y depends
// on gets an empty Tensor (TF's None). Ops go under "gradients/<op>_grad/".
std::vector<Tensor> gradients(const std::vector<Tensor>& ys, const std::vector<Tensor>& xs,
                              const std::vector<Tensor>& grad_ys = {},
                              const std::string& name = "gradients");
std::vector<Tensor> gradients(const Tensor& y, const std::vector<Tensor>& xs);

}  // namespace tf
