// Sparse variable updates: ScatterAdd, ScatterSub, SparseApplyAdagrad,
// SparseApplyMomentum, SparseApplyRMSProp (schema, shape functions,
// builders). The output is the updated variable; no gradient flows.
#include "keraspp/ops/sparse_training_ops.h"

#include "sparse_training_ops_schema.h"

namespace tf {

namespace {

// updates/grad must be indices.shape + var.shape[1:]; slots are var's shape.
void sparse_update_shape(InferenceContext& c, int num_refs, int values, int indices) {
  const TensorShape& var = c.input_shapes[0];
  for (int i = 1; i < num_refs; ++i)
    if (!var.is_compatible_with(c.input_shapes[static_cast<size_t>(i)]))
      throw ShapeError("Shapes " + var.debug_str() + " and " +
                       c.input_shapes[static_cast<size_t>(i)].debug_str() + " are incompatible");
  const TensorShape& v = c.input_shapes[static_cast<size_t>(values)];
  const TensorShape& ids = c.input_shapes[static_cast<size_t>(indices)];
  if (var.has_rank() && v.has_rank() && ids.has_rank()) {
    std::vector<int64_t> want = ids.dims();
    want.insert(want.end(), var.dims().begin() + 1, var.dims().end());
    if (!v.is_compatible_with(TensorShape(want)))
      throw ShapeError("Shapes must be equal rank, but are " + std::to_string(v.rank()) + " and " +
                       std::to_string(want.size()) + ": updates " + v.debug_str() + " for indices " +
                       ids.debug_str() + " and var " + var.debug_str());
  }
  c.set_output(0, c.input_dtypes[0], var);
}

template <size_t M>
OpDef sparse_def(const char* name, const ArgList<M>& in, int num_refs, int v, int ids,
                 const char* output, std::vector<std::string> extra_attrs = {}) {
  std::vector<std::string> attrs{"T: {float, double}", "Tindices: {int32, int64}",
                                 "use_locking: bool = false"};
  attrs.insert(attrs.end(), extra_attrs.begin(), extra_attrs.end());
  return OpDef{.name = name,
               .inputs = in.specs(),
               .outputs = {std::string(output) + ": Ref(T)"},
               .attrs = attrs,
               .shape_fn = [=](InferenceContext& c) { sparse_update_shape(c, num_refs, v, ids); },
               .differentiable = false,
               .stateful = true};
}

constexpr auto& kScatter = schema::kScatterAdd;
constexpr auto& kAdagrad = schema::kSparseApplyAdagrad;
constexpr auto& kMomentum = schema::kSparseApplyMomentum;
constexpr auto& kRMSProp = schema::kSparseApplyRMSProp;
KPP_REGISTER_OP(sparse_def("ScatterAdd", kScatter, 1, kScatter.index("updates"), kScatter.index("indices"),
                           "output_ref"));
KPP_REGISTER_OP(sparse_def("ScatterSub", kScatter, 1, kScatter.index("updates"), kScatter.index("indices"),
                           "output_ref"));
KPP_REGISTER_OP(sparse_def("SparseApplyAdagrad", kAdagrad, 2, kAdagrad.index("grad"),
                           kAdagrad.index("indices"), "out"));
KPP_REGISTER_OP(sparse_def("SparseApplyMomentum", kMomentum, 2, kMomentum.index("grad"),
                           kMomentum.index("indices"), "out", {"use_nesterov: bool = false"}));
KPP_REGISTER_OP(sparse_def("SparseApplyRMSProp", kRMSProp, 3, kRMSProp.index("grad"),
                           kRMSProp.index("indices"), "out"));

// Refs must be variables (TF's wording), as for the dense updates.
Tensor build(const std::string& op, const std::vector<Tensor>& inputs, AttrMap attrs,
             const std::string& name) {
  const OpDef& def = OpRegistry::global().lookup(op);
  for (int i : def.ref_inputs) {
    const Tensor& t = inputs[static_cast<size_t>(i)];
    if (!t || !t.op().op_def().is_variable)
      throw keraspp::TypeError("'" + op + "' Op requires that input '" +
                               def.input_args[static_cast<size_t>(i)].name +
                               "' be a mutable tensor (e.g.: a tf.Variable), got " +
                               (t ? t.name() : std::string("None")));
  }
  return op_builder::create1(op, inputs, std::move(attrs), name);
}

}  // namespace

Tensor scatter_add(const Tensor& ref, const TensorLike& indices, const Tensor& updates,
                   const std::string& name) {
  return build("ScatterAdd", {ref, indices.to_tensor(int32), updates}, {}, name);
}
Tensor scatter_sub(const Tensor& ref, const TensorLike& indices, const Tensor& updates,
                   const std::string& name) {
  return build("ScatterSub", {ref, indices.to_tensor(int32), updates}, {}, name);
}
Tensor sparse_apply_adagrad(const Tensor& var, const Tensor& accum, const Tensor& lr,
                            const Tensor& grad, const Tensor& indices, const std::string& name) {
  return build("SparseApplyAdagrad", {var, accum, lr, grad, indices}, {}, name);
}
Tensor sparse_apply_momentum(const Tensor& var, const Tensor& accum, const Tensor& lr,
                             const Tensor& grad, const Tensor& indices, const Tensor& momentum,
                             bool use_nesterov, const std::string& name) {
  return build("SparseApplyMomentum", {var, accum, lr, grad, indices, momentum},
               {{"use_nesterov", use_nesterov}}, name);
}
Tensor sparse_apply_rms_prop(const Tensor& var, const Tensor& ms, const Tensor& mom,
                             const Tensor& lr, const Tensor& rho, const Tensor& momentum,
                             const Tensor& epsilon, const Tensor& grad, const Tensor& indices,
                             const std::string& name) {
  return build("SparseApplyRMSProp", {var, ms, mom, lr, rho, momentum, epsilon, grad, indices}, {},
               name);
}

}  // namespace tf
