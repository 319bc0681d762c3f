// The gather family: Gather, GatherV2, UnsortedSegmentSum, OneHot (schema,
// shape functions, gradients, builders). A gather's gradient is TF's
// IndexedSlices, held densely as the UnsortedSegmentSum of the slices;
// indexed_slices() reads the slices back for sparse optimizer updates.
#include "keraspp/ops/gather_ops.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/transpose_ops.h"

#include "gather_ops_schema.h"

namespace tf {

namespace {

std::optional<int64_t> constant_scalar(const InferenceContext& c, int i) {
  if (const np::Array* v = c.input_constants[static_cast<size_t>(i)])
    if (v->size() == 1) return static_cast<int64_t>(v->get_flat(0));
  return std::nullopt;
}

// params[:axis] + indices + params[axis+1:].
TensorShape gathered_shape(const TensorShape& params, const TensorShape& indices, int64_t axis) {
  if (!params.has_rank() || !indices.has_rank()) return TensorShape::unknown();
  if (axis < 0) axis += params.rank();
  if (axis < 0 || axis >= params.rank())
    throw ShapeError("Shape must be at least rank " + std::to_string(axis + 1) + " but is rank " +
                     std::to_string(params.rank()));
  std::vector<int64_t> d(params.dims().begin(), params.dims().begin() + axis);
  d.insert(d.end(), indices.dims().begin(), indices.dims().end());
  d.insert(d.end(), params.dims().begin() + axis + 1, params.dims().end());
  return TensorShape(d);
}

// The first dimension of x as an int32 scalar, at run time.
Tensor dim0(const Tensor& x) {
  return op_builder::create1("Gather", {shape(x), constant(np::Array::scalar(int32_t{0}))});
}

// d(params) of params[indices] on axis 0: the slices (g, indices) summed
// into params's first dimension.
Tensor gather_axis0_grad(const Tensor& params, const Tensor& indices, const Tensor& g) {
  return op_builder::create1("UnsortedSegmentSum", {g, indices, dim0(params)});
}

// On another axis a, the gathered axes move to the front, are summed into
// rows, and the result moves back (needs known ranks).
Tensor gather_grad(const Operation& op, const Tensor& g, int64_t axis) {
  const Tensor params = op.input(0), indices = op.input(1);
  if (axis == 0) return gather_axis0_grad(params, indices, g);
  const int rank = params.shape().rank(), k = indices.shape().rank();
  if (rank < 0 || k < 0)
    throw keraspp::ValueError("The gradient of '" + op.name() + "' on axis " +
                              std::to_string(axis) + " needs params and indices of known rank");
  if (axis < 0) axis += rank;
  std::vector<int> to_front;
  for (int i = 0; i < k; ++i) to_front.push_back(static_cast<int>(axis) + i);
  for (int i = 0; i < axis; ++i) to_front.push_back(i);
  for (int i = static_cast<int>(axis) + k; i < rank - 1 + k; ++i) to_front.push_back(i);
  std::vector<int> params_front{static_cast<int>(axis)}, back;
  for (int i = 0; i < rank; ++i)
    if (i != axis) params_front.push_back(i);
  for (int i = 1; i <= axis; ++i) back.push_back(i);
  back.push_back(0);
  for (int i = static_cast<int>(axis) + 1; i < rank; ++i) back.push_back(i);
  const Tensor rows = gather_axis0_grad(transpose(params, params_front), indices,
                                        transpose(g, to_front));
  return transpose(rows, back);
}

void gather_shape(InferenceContext& c) {
  c.set_output(0, c.input_dtypes[0], gathered_shape(c.input_shapes[0], c.input_shapes[1], 0));
}

void gather_v2_shape(InferenceContext& c) {
  const std::optional<int64_t> axis = constant_scalar(c, 2);
  if (!axis) {
    c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
    return;
  }
  c.set_output(0, c.input_dtypes[0], gathered_shape(c.input_shapes[0], c.input_shapes[1], *axis));
}

KPP_REGISTER_OP(OpDef{
    .name = "Gather",
    .inputs = schema::kGather.specs(),
    .outputs = {"output: Tparams"},
    .attrs = {"validate_indices: bool = true", "Tparams: type", "Tindices: {int32, int64}"},
    .shape_fn = gather_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {gather_grad(op, g[0], 0), Tensor()};
    },
    .allocates_outputs = true,
});

KPP_REGISTER_OP(OpDef{
    .name = "GatherV2",
    .inputs = schema::kGatherV2.specs(),
    .outputs = {"output: Tparams"},
    .attrs = {"Tparams: type", "Tindices: {int32, int64}", "Taxis: {int32, int64}"},
    .shape_fn = gather_v2_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      const Operation axis_op = op.input(2).op();
      if (!axis_op.op_def().is_constant)
        throw keraspp::ValueError("The gradient of '" + op.name() + "' needs a constant axis");
      const auto axis = static_cast<int64_t>(axis_op.get_attr<np::Array>("value").get_flat(0));
      return {gather_grad(op, g[0], axis), Tensor(), Tensor()};
    },
    .allocates_outputs = true,
});

void segment_sum_shape(InferenceContext& c) {
  const TensorShape& data = c.input_shapes[0];
  const TensorShape& ids = c.input_shapes[1];
  const std::optional<int64_t> n = constant_scalar(c, 2);
  if (!data.has_rank() || !ids.has_rank()) {
    c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
    return;
  }
  if (ids.rank() > data.rank() ||
      !TensorShape(std::vector<int64_t>(data.dims().begin(), data.dims().begin() + ids.rank()))
           .is_compatible_with(ids))
    throw ShapeError("segment_ids.shape = " + ids.debug_str() +
                     " is not a prefix of data.shape = " + data.debug_str());
  std::vector<int64_t> d{n.value_or(-1)};
  d.insert(d.end(), data.dims().begin() + ids.rank(), data.dims().end());
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

KPP_REGISTER_OP(OpDef{
    .name = "UnsortedSegmentSum",
    .inputs = schema::kUnsortedSegmentSum.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: {float, double, int32, int64}", "Tindices: {int32, int64}"},
    .shape_fn = segment_sum_shape,
    // Each data row receives its segment's gradient row.
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {op_builder::create1("Gather", {g[0], op.input(1)}), Tensor(), Tensor()};
    },
    .zero_preserving = {"data"},
    .allocates_outputs = true,
});

void one_hot_shape(InferenceContext& c) {
  const TensorShape& indices = c.input_shapes[0];
  const DType t = c.input_dtypes[2];
  if (c.input_dtypes[3] != t)
    throw ShapeError("Input 'off_value' of 'OneHot' Op has type " + np::tf_dtype_name(c.input_dtypes[3]) +
                     " that does not match type " + np::tf_dtype_name(t) + " of argument 'on_value'.");
  if (!indices.has_rank()) {
    c.set_output(0, t, TensorShape::unknown());
    return;
  }
  const int64_t axis = c.attr<int64_t>("axis");
  if (axis < -1 || axis > indices.rank())
    throw ShapeError("Expected axis to be -1 or between [0, " + std::to_string(indices.rank()) +
                     ").  But received: " + std::to_string(axis));
  std::vector<int64_t> d = indices.dims();
  d.insert(axis == -1 ? d.end() : d.begin() + axis, constant_scalar(c, 1).value_or(-1));
  c.set_output(0, t, TensorShape(d));
}

KPP_REGISTER_OP(OpDef{.name = "OneHot",
                      .inputs = schema::kOneHot.specs(),
                      .outputs = {"output: T"},
                      .attrs = {"axis: int = -1", "T: type", "TI: {uint8, int32, int64}"},
                      .shape_fn = one_hot_shape,
                      .differentiable = false,
                      .allocates_outputs = true});

}  // namespace

Tensor gather(const Tensor& params, const TensorLike& indices, int axis, const std::string& name) {
  const Tensor ids = indices.to_tensor(int32);
  if (axis == 0) return op_builder::create1("Gather", {params, ids}, {}, name.empty() ? "Gather" : name);
  return op_builder::create1("GatherV2", {params, ids, constant(np::Array::scalar(int32_t(axis)))}, {},
                             name.empty() ? "GatherV2" : name);
}

Tensor unsorted_segment_sum(const Tensor& data, const TensorLike& segment_ids, const Tensor& num_segments,
                            const std::string& name) {
  return op_builder::create1("UnsortedSegmentSum", {data, segment_ids.to_tensor(int32), num_segments},
                             {}, name);
}

Tensor unsorted_segment_sum(const Tensor& data, const TensorLike& segment_ids, int64_t num_segments,
                            const std::string& name) {
  return unsorted_segment_sum(data, segment_ids,
                              constant(np::Array::scalar(static_cast<int32_t>(num_segments))), name);
}

Tensor one_hot(const TensorLike& indices, int64_t depth, double on_value, double off_value, int axis,
               DType dtype, const std::string& name) {
  return op_builder::create1("OneHot",
                             {indices.to_tensor(int32), constant(np::Array::scalar(static_cast<int32_t>(depth))),
                              constant(on_value, dtype), constant(off_value, dtype)},
                             {{"axis", static_cast<int64_t>(axis)}}, name.empty() ? "one_hot" : name);
}

Tensor sequence_mask(const TensorLike& lengths, int64_t maxlen, DType dtype, const std::string& name) {
  std::vector<int32_t> r(static_cast<size_t>(maxlen));
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<int32_t>(i);
  const Tensor row = constant(np::Array::from_vector(r, {maxlen}));
  const Tensor mask = less(row, expand_dims(cast(lengths.to_tensor(int32), int32), -1),
                           name.empty() ? "SequenceMask" : name);
  return dtype == bool_ ? mask : cast(mask, dtype);
}

std::optional<IndexedSlices> indexed_slices(const Tensor& gradient) {
  if (!gradient || gradient.op().type() != "UnsortedSegmentSum") return std::nullopt;
  const Operation op = gradient.op();
  const Tensor values = op.input(0), ids = op.input(1);
  // The slices must be whole rows: values = ids.shape + row shape.
  if (values.shape().rank() < 0 || ids.shape().rank() < 0) return std::nullopt;
  return IndexedSlices{values, ids, shape(gradient)};
}

namespace nn {
Tensor embedding_lookup(const Tensor& params, const TensorLike& ids, const std::string& name) {
  return gather(params, ids, 0, name.empty() ? "embedding_lookup" : name);
}
}  // namespace nn

}  // namespace tf
