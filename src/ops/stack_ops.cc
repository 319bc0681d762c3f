// Rearranging ops: Pack, Unpack, Tile, Squeeze, ReverseV2, ReverseSequence, Slice, SliceGrad
// (schema, shape functions, gradients, builders).
#include "keraspp/ops/stack_ops.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

#include "stack_ops_schema.h"

namespace tf {

namespace {

const std::vector<int64_t>* constant_list(const InferenceContext& c, int i, std::vector<int64_t>& out) {
  const np::Array* v = c.input_constants[static_cast<size_t>(i)];
  if (!v) return nullptr;
  for (int64_t k = 0; k < v->size(); ++k) out.push_back(static_cast<int64_t>(v->get_flat(k)));
  return &out;
}

Tensor ints(const std::vector<int64_t>& v) {
  std::vector<int32_t> w(v.begin(), v.end());
  return constant(np::Array::from_vector(w, {static_cast<int64_t>(w.size())}));
}

void pack_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  TensorShape s = c.input_shapes[0];
  for (int i = 1; i < c.num_inputs(); ++i) {
    const TensorShape& o = c.input_shapes[static_cast<size_t>(i)];
    if (!s.is_compatible_with(o))
      throw ShapeError("Shapes of all inputs must match: values[0].shape = " + s.debug_str() +
                       " != values[" + std::to_string(i) + "].shape = " + o.debug_str());
    s = s.merge_with(o);
  }
  if (!s.has_rank()) {
    c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
    return;
  }
  const auto axis = op_builder::canonical_axis(static_cast<int>(c.attr<int64_t>("axis")), s.rank() + 1);
  std::vector<int64_t> d = s.dims();
  d.insert(d.begin() + axis, c.num_inputs());
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

KPP_REGISTER_OP(OpDef{
    .name = "Pack",
    .inputs = schema::kPack.specs(),
    .outputs = {"output: T"},
    .attrs = {"N: int", "T: type", "axis: int = 0"},
    .shape_fn = pack_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return unstack(g[0], op.num_inputs(), static_cast<int>(op.get_attr<int64_t>("axis")));
    },
    .allocates_outputs = true,
});

void unpack_shape(InferenceContext& c) {
  const auto num = c.attr<int64_t>("num");
  const TensorShape& s = c.input_shapes[0];
  TensorShape out = TensorShape::unknown();
  if (s.has_rank()) {
    const auto axis = op_builder::canonical_axis(static_cast<int>(c.attr<int64_t>("axis")), s.rank());
    if (s.dim(axis) >= 0 && s.dim(axis) != num)
      throw ShapeError("Dimension must be " + std::to_string(num) + " but is " + std::to_string(s.dim(axis)));
    std::vector<int64_t> d = s.dims();
    d.erase(d.begin() + axis);
    out = TensorShape(d);
  }
  for (int64_t i = 0; i < num; ++i) c.set_output(static_cast<int>(i), c.input_dtypes[0], out);
}

KPP_REGISTER_OP(OpDef{
    .name = "Unpack",
    .inputs = schema::kUnpack.specs(),
    .outputs = {"output: num * T"},
    .attrs = {"num: int", "T: type", "axis: int = 0"},
    .shape_fn = unpack_shape,
    // Outputs without a gradient contribute zeros.
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      std::vector<Tensor> parts;
      for (int i = 0; i < op.num_outputs(); ++i)
        parts.push_back(g[static_cast<size_t>(i)] ? g[static_cast<size_t>(i)] : zeros_like(op.output(i)));
      return {stack(parts, static_cast<int>(op.get_attr<int64_t>("axis")))};
    },
    .allocates_outputs = true,
});

void tile_shape(InferenceContext& c) {
  const TensorShape& s = c.input_shapes[0];
  std::vector<int64_t> m;
  const bool known = constant_list(c, 1, m) != nullptr;
  if (!s.has_rank()) {
    c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
    return;
  }
  if (known && static_cast<int>(m.size()) != s.rank())
    throw ShapeError("Shape must be rank " + std::to_string(s.rank()) + " but is rank " +
                     std::to_string(m.size()) + " (multiples)");
  std::vector<int64_t> d = s.dims();
  for (size_t i = 0; i < d.size(); ++i) d[i] = known && d[i] >= 0 ? d[i] * m[i] : -1;
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

// g viewed as [m0, d0, m1, d1, ...] summed over the m axes.
std::vector<Tensor> tile_grad(const Operation& op, const std::vector<Tensor>& g) {
  const Tensor x = op.input(0);
  const int rank = x.shape().rank();
  if (rank < 0)
    throw keraspp::ValueError("The gradient of '" + op.name() + "' needs an input of known rank");
  const Tensor split = reshape(stack({cast(op.input(1), int32), shape(x)}, 1), std::vector<int64_t>{-1});
  std::vector<int> axes;
  for (int i = 0; i < rank; ++i) axes.push_back(2 * i);
  return {reduce_sum(reshape(g[0], split), axes), Tensor()};
}

KPP_REGISTER_OP(OpDef{.name = "Tile",
                      .inputs = schema::kTile.specs(),
                      .outputs = {"output: T"},
                      .attrs = {"T: type", "Tmultiples: {int32, int64}"},
                      .shape_fn = tile_shape,
                      .grad_fn = tile_grad,
                      .allocates_outputs = true});

void squeeze_shape(InferenceContext& c) {
  const TensorShape& s = c.input_shapes[0];
  const auto& dims = c.attr<std::vector<int64_t>>("squeeze_dims");
  if (!s.has_rank()) {
    c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
    return;
  }
  std::vector<bool> drop(static_cast<size_t>(s.rank()), false);
  for (int64_t a : dims) {
    if (a < -s.rank() || a >= s.rank())
      throw ShapeError("Tried to squeeze dim index " + std::to_string(a) + " for tensor with " +
                       std::to_string(s.rank()) + " dimensions.");
    const int k = static_cast<int>(a < 0 ? a + s.rank() : a);
    if (s.dim(k) >= 0 && s.dim(k) != 1)
      throw ShapeError("Can not squeeze dim[" + std::to_string(k) + "], expected a dimension of 1, got " +
                       std::to_string(s.dim(k)));
    drop[static_cast<size_t>(k)] = true;
  }
  std::vector<int64_t> out;
  for (int k = 0; k < s.rank(); ++k) {
    if (dims.empty() && s.dim(k) < 0) {  // may or may not be 1: unknown result
      c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
      return;
    }
    if (!(drop[static_cast<size_t>(k)] || (dims.empty() && s.dim(k) == 1))) out.push_back(s.dim(k));
  }
  c.set_output(0, c.input_dtypes[0], TensorShape(out));
}

KPP_REGISTER_OP(OpDef{
    .name = "Squeeze",
    .inputs = schema::kSqueeze.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: type", "squeeze_dims: list(int)"},
    .shape_fn = squeeze_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {reshape(g[0], shape(op.input(0)))};
    },
});

KPP_REGISTER_OP(OpDef{
    .name = "ReverseV2",
    .inputs = schema::kReverseV2.specs(),
    .outputs = {"output: T"},
    .attrs = {"Tidx: {int32, int64}", "T: type"},
    .shape_fn = shape_fns::unchanged,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {op_builder::create1("ReverseV2", {g[0], op.input(1)}), Tensor()};
    },
    .allocates_outputs = true,
});

void reverse_sequence_shape(InferenceContext& c) {
  const TensorShape& s = c.input_shapes[0];
  const TensorShape& lengths = c.input_shapes[1];
  if (s.has_rank()) {
    const int64_t seq = c.attr<int64_t>("seq_dim"), batch = c.attr<int64_t>("batch_dim");
    if (seq < 0 || seq >= s.rank() || batch < 0 || batch >= s.rank() || seq == batch)
      throw ShapeError("seq_dim (" + std::to_string(seq) + ") and batch_dim (" + std::to_string(batch) +
                       ") must be different axes of the input of rank " + std::to_string(s.rank()));
    if (lengths.has_rank() && (lengths.rank() != 1 ||
                               (lengths.dim(0) >= 0 && s.dim(static_cast<int>(batch)) >= 0 &&
                                lengths.dim(0) != s.dim(static_cast<int>(batch)))))
      throw ShapeError("Length of seq_lengths != input.dims(" + std::to_string(batch) + "), (" +
                       lengths.debug_str() + " vs. " + s.debug_str() + ")");
  }
  c.set_output(0, c.input_dtypes[0], s);
}

KPP_REGISTER_OP(OpDef{
    .name = "ReverseSequence",
    .inputs = schema::kReverseSequence.specs(),
    .outputs = {"output: T"},
    .attrs = {"seq_dim: int", "batch_dim: int = 0", "T: type", "Tlen: {int32, int64}"},
    .shape_fn = reverse_sequence_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {op_builder::create1("ReverseSequence", {g[0], op.input(1)},
                                  {{"seq_dim", op.get_attr<int64_t>("seq_dim")},
                                   {"batch_dim", op.get_attr<int64_t>("batch_dim")}}),
              Tensor()};
    },
    .allocates_outputs = true,
});

void slice_shape(InferenceContext& c) {
  const TensorShape& s = c.input_shapes[0];
  std::vector<int64_t> begin, size;
  const bool known = constant_list(c, 1, begin) && constant_list(c, 2, size);
  if (!s.has_rank()) {
    c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
    return;
  }
  std::vector<int64_t> d(static_cast<size_t>(s.rank()), -1);
  if (known) {
    if (static_cast<int>(begin.size()) != s.rank() || static_cast<int>(size.size()) != s.rank())
      throw ShapeError("Expected begin and size arguments to be 1-D tensors of size " +
                       std::to_string(s.rank()) + ", but got shapes [" + std::to_string(begin.size()) +
                       "] and [" + std::to_string(size.size()) + "] instead.");
    for (size_t i = 0; i < d.size(); ++i) {
      const int64_t dim = s.dim(static_cast<int>(i));
      d[i] = size[i] >= 0 ? size[i] : (dim >= 0 ? dim - begin[i] : -1);
      if (dim >= 0 && (begin[i] < 0 || d[i] < 0 || begin[i] + d[i] > dim))
        throw ShapeError("Expected size[" + std::to_string(i) + "] in [0, " + std::to_string(dim - begin[i]) +
                         "], but got " + std::to_string(size[i]));
    }
  }
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

KPP_REGISTER_OP(OpDef{
    .name = "Slice",
    .inputs = schema::kSlice.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: type", "Index: {int32, int64}"},
    .shape_fn = slice_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {op_builder::create1("SliceGrad", {g[0], op.input(0), op.input(1), op.input(2)}), Tensor(),
              Tensor()};
    },
    .allocates_outputs = true,
});

// TF pads the gradient of Slice; here one op writes it into zeros.
KPP_REGISTER_OP(OpDef{
    .name = "SliceGrad",
    .inputs = schema::kSliceGrad.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: type", "Index: {int32, int64}"},
    .shape_fn = [](InferenceContext& c) { c.set_output(0, c.input_dtypes[0], c.input_shapes[1]); },
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {slice(g[0], op.input(2), op.input(3)), Tensor(), Tensor(), Tensor()};
    },
    .zero_preserving = {"grad"},
    .allocates_outputs = true,
});

}  // namespace

Tensor stack(const std::vector<Tensor>& values, int axis, const std::string& name) {
  if (values.empty()) throw keraspp::ValueError("stack: list of tensors must not be empty");
  return op_builder::create1("Pack", values, {{"axis", static_cast<int64_t>(axis)}}, name);
}

std::vector<Tensor> unstack(const Tensor& value, int num, int axis, const std::string& name) {
  const TensorShape& s = value.shape();
  if (num < 0) {
    if (!s.has_rank())
      throw keraspp::ValueError("Cannot infer num from shape " + s.debug_str());
    const int a = op_builder::canonical_axis(axis, s.rank());
    if (s.dim(a) < 0) throw keraspp::ValueError("Cannot infer num from shape " + s.debug_str());
    num = static_cast<int>(s.dim(a));
  }
  return op_builder::create("Unpack", {value}, {{"num", static_cast<int64_t>(num)}, {"axis", static_cast<int64_t>(axis)}},
                            name)
      .outputs();
}

Tensor tile(const Tensor& input, const Tensor& multiples, const std::string& name) {
  return op_builder::create1("Tile", {input, multiples}, {}, name);
}
Tensor tile(const Tensor& input, const std::vector<int64_t>& multiples, const std::string& name) {
  return tile(input, ints(multiples), name);
}

Tensor squeeze(const Tensor& input, const std::vector<int>& axis, const std::string& name) {
  return op_builder::create1("Squeeze", {input},
                             {{"squeeze_dims", std::vector<int64_t>(axis.begin(), axis.end())}}, name);
}

Tensor reverse(const Tensor& tensor, const std::vector<int>& axis, const std::string& name) {
  return op_builder::create1("ReverseV2", {tensor, ints(std::vector<int64_t>(axis.begin(), axis.end()))}, {},
                             name);
}

Tensor reverse_sequence(const Tensor& input, const TensorLike& seq_lengths, int seq_axis, int batch_axis,
                        const std::string& name) {
  return op_builder::create1("ReverseSequence", {input, seq_lengths.to_tensor(int64)},
                             {{"seq_dim", static_cast<int64_t>(seq_axis)},
                              {"batch_dim", static_cast<int64_t>(batch_axis)}},
                             name);
}

Tensor slice(const Tensor& input, const Tensor& begin, const Tensor& size, const std::string& name) {
  return op_builder::create1("Slice", {input, begin, size}, {}, name);
}
Tensor slice(const Tensor& input, const std::vector<int64_t>& begin, const std::vector<int64_t>& size,
             const std::string& name) {
  return slice(input, ints(begin), ints(size), name);
}

}  // namespace tf
