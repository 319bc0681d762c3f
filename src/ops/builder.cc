// Op-building helpers shared by every op family.
#include "keraspp/ops/builder.h"

#include "graph/graph_impl.h"

#include "keraspp/ops/array_ops.h"

namespace tf {

Tensor TensorLike::to_tensor(std::optional<DType> dtype_hint) const {
  if (tensor_) return tensor_;
  // An empty Tensor handle (Python's None) carries no value either.
  if (!value_) throw keraspp::ValueError("None values not supported.");
  if (is_number_ && dtype_hint) return constant(value_->astype(*dtype_hint));
  if (is_number_ && value_->dtype() == np::float64) return constant(value_->astype(float32));
  return constant(*value_);
}

std::pair<Tensor, Tensor> convert_pair(const TensorLike& a, const TensorLike& b) {
  if (a.is_tensor()) return {a.tensor(), b.to_tensor(a.tensor().dtype())};
  if (b.is_tensor()) return {a.to_tensor(b.tensor().dtype()), b.tensor()};
  return {a.to_tensor(), b.to_tensor()};
}

namespace op_builder {

Graph graph_for(const std::vector<Tensor>& inputs) {
  // A function body being built (graph/function.h) takes every op built
  // meanwhile; the enclosing graphs' tensors become its captures.
  Graph d = get_default_graph();
  if (d.data()->capture_outer) return d;
  for (const Tensor& t : inputs)
    if (t) return t.graph();
  return get_default_graph();
}

Operation create(const std::string& type, const std::vector<Tensor>& inputs, AttrMap attrs,
                 const std::string& name) {
  Graph g = graph_for(inputs);
  // Attrs left out take their schema defaults, as TF's apply_op fills them.
  const OpDef& def = OpRegistry::global().lookup(type);
  return g.create_op(NodeSpec{type, name, inputs, with_default_attrs(def, std::move(attrs))});
}

Tensor create1(const std::string& type, const std::vector<Tensor>& inputs, AttrMap attrs,
               const std::string& name) {
  return create(type, inputs, std::move(attrs), name).output(0);
}

int canonical_axis(int axis, int rank) {
  if (axis < -rank || axis >= rank)
    throw ShapeError("Expected axis in the range [" + std::to_string(-rank) + ", " +
                     std::to_string(rank) + "), but got " + std::to_string(axis));
  return axis < 0 ? axis + rank : axis;
}

}  // namespace op_builder
}  // namespace tf
