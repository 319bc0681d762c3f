// Plan-time folding of known scalar predicates, the part of TF's Grappler
// constant folding that matters for Keras graphs: a Select or a cond (If:
// K.in_train_phase) on the learning phase would otherwise compute both
// branches' inputs (dropout's random numbers during predict, zero-gradient
// buffers and their sums during fit). A plan is compiled per value of its fed
// scalar bools, so inside one plan such a predicate is a constant.
//
// Zeros are tracked as a property of an edge (its producer still computes
// it if anything reads it): a sum drops its known-zero terms. As with
// tf.cond, the branch not taken contributes an exact zero gradient, even
// where the unfolded product would have been 0 * inf = nan.
//
// Which ops are constants, identities, casts, selects, zeros, zero-keeping
// or sums is read from their OpDefs' flags (op_registry.h); no op type is
// named here. A conditional (an op with then/else functions split by
// num_then_inputs: tf::cond's If, which K::in_train_phase builds) with a
// known predicate reads only the taken branch's inputs, and its results
// that the taken branch passes through or zeroes fold like a Select's.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "graph/graph_impl.h"
#include "keraspp/graph/graph.h"

namespace tf::runtime {

// The rewired graph a plan is built from: edges that fold to another edge,
// and the reduced input lists of sums that lost known-zero terms.
class Folding {
 public:
  // fed[i] is fed; fed_bools[i] holds its value when it is a scalar bool.
  Folding(const GraphData& g, const std::vector<Edge>& fed,
          const std::vector<std::optional<bool>>& fed_bools);

  // The edge a consumer of `e` reads instead (e itself when not folded).
  Edge resolve(const Edge& e) const;
  // Node n's inputs after folding: each resolved, and a sum without its
  // known-zero terms.
  std::vector<Edge> inputs(const Node& n) const;

 private:
  static int64_t key(const Edge& e) { return (static_cast<int64_t>(e.node) << 16) | e.index; }
  void visit(const Node& n);
  // A conditional (If) whose predicate is known: see fold.cc.
  void visit_cond(const Node& n, bool taken);

  std::map<int64_t, bool> known_;             // edge -> value of a known scalar bool
  std::map<int64_t, Edge> alias_;             // folded edge -> the edge it reads
  std::set<int64_t> zero_;                    // edges known to hold only zeros
  std::map<int, std::vector<Edge>> reduced_;  // sum node -> its nonzero terms
  std::set<int64_t> fed_;
  const GraphData& g_;
};

}  // namespace tf::runtime
