// Shape-function helpers shared by the ops' shape functions (shape_fns in
// op_registry.h): broadcasting, rank and dtype checks.
#include "keraspp/graph/op_registry.h"

#include <algorithm>
#include <sstream>

namespace tf {

namespace shape_fns {

void unchanged(InferenceContext& c) { c.set_output(0, c.input_dtypes.at(0), c.input_shapes.at(0)); }

TensorShape broadcast(const TensorShape& a, const TensorShape& b) {
  if (!a.has_rank() || !b.has_rank()) return TensorShape::unknown();
  const size_t n = std::max(a.dims().size(), b.dims().size());
  std::vector<int64_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.dims().size() ? 1 : a.dims()[i - (n - a.dims().size())];
    const int64_t db = i < n - b.dims().size() ? 1 : b.dims()[i - (n - b.dims().size())];
    if (da == 1) {
      out[i] = db;
    } else if (db == 1) {
      out[i] = da;
    } else if (da < 0 || db < 0) {
      out[i] = da < 0 ? db : da;  // an unknown meets a known (non-1): the known wins
    } else if (da == db) {
      out[i] = da;
    } else {
      throw ShapeError("Dimensions must be equal, but are " + std::to_string(da) + " and " +
                       std::to_string(db));
    }
  }
  return TensorShape(out);
}

void require_same_dtypes(InferenceContext& c) {
  for (int i = 1; i < c.num_inputs(); ++i)
    if (c.input_dtypes[i] != c.input_dtypes[0])
      throw ShapeError("Input " + std::to_string(i) + " of node " + c.op_name + " was passed " +
                       np::tf_dtype_name(c.input_dtypes[i]) + " incompatible with expected " +
                       np::tf_dtype_name(c.input_dtypes[0]));
}

void broadcast_binary(InferenceContext& c) {
  require_same_dtypes(c);
  c.set_output(0, c.input_dtypes[0], broadcast(c.input_shapes[0], c.input_shapes[1]));
}

void require_rank(const InferenceContext& c, int input, int rank) {
  const TensorShape& s = c.input_shapes.at(input);
  if (s.has_rank() && s.rank() != rank)
    throw ShapeError("Shape must be rank " + std::to_string(rank) + " but is rank " +
                     std::to_string(s.rank()));
}



void merge_dims(const TensorShape& a, const TensorShape& b, int n, std::vector<int64_t>& out) {
  for (int i = 0; i < n; ++i) {
    const int64_t x = a.dim(i), y = b.dim(i);
    if (x >= 0 && y >= 0 && x != y)
      throw ShapeError("Dimension " + std::to_string(i) + " in both shapes must be equal, but are " +
                       std::to_string(x) + " and " + std::to_string(y) + ". Shapes are " +
                       a.debug_str() + " and " + b.debug_str() + ".");
    out.push_back(x >= 0 ? x : y);
  }
}

}  // namespace shape_fns
}  // namespace tf
