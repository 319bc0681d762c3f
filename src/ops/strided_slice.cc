// StridedSlice (tf.strided_slice, Python's x[a:b:s, ..., tf.newaxis, i]) and
// its gradient StridedSliceGrad: definitions, shape functions, gradients,
// builders. Masks as TF's: bit i of begin_mask / end_mask ignores begin[i] /
// end[i]; ellipsis_mask marks `...`, new_axis_mask a new size-1 axis,
// shrink_axis_mask an index that removes its axis.
#include "keraspp/ops/strided_slice.h"

#include <stdexcept>

#include "keraspp/ops/array_ops.h"

#include "strided_slice_schema.h"

namespace tf {

namespace {

const std::vector<std::string> kMaskAttrs = {"begin_mask: int = 0", "end_mask: int = 0", "ellipsis_mask: int = 0",
                                             "new_axis_mask: int = 0", "shrink_axis_mask: int = 0"};

std::vector<std::string> attrs_with(std::vector<std::string> a) {
  a.insert(a.end(), kMaskAttrs.begin(), kMaskAttrs.end());
  return a;
}

strided::Masks masks_of(const InferenceContext& c) {
  return {c.attr<int64_t>("begin_mask"), c.attr<int64_t>("end_mask"), c.attr<int64_t>("ellipsis_mask"),
          c.attr<int64_t>("new_axis_mask"), c.attr<int64_t>("shrink_axis_mask")};
}

bool constant_list(const InferenceContext& c, int i, std::vector<int64_t>& out) {
  const np::Array* v = c.input_constants[static_cast<size_t>(i)];
  if (!v) return false;
  for (int64_t k = 0; k < v->size(); ++k) out.push_back(static_cast<int64_t>(v->get_flat(k)));
  return true;
}

AttrMap mask_attrs(const Operation& op) {
  AttrMap a;
  for (const char* n : {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"})
    a[n] = op.get_attr<int64_t>(n);
  return a;
}

void strided_slice_shape(InferenceContext& c) {
  const TensorShape& s = c.input_shapes[0];
  std::vector<int64_t> b, e, st;
  if (!s.has_rank() || !constant_list(c, 1, b) || !constant_list(c, 2, e) || !constant_list(c, 3, st)) {
    c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
    return;
  }
  try {
    c.set_output(0, c.input_dtypes[0], TensorShape(strided::resolve(s.dims(), b, e, st, masks_of(c)).output));
  } catch (const std::invalid_argument& err) {
    throw ShapeError(err.what());
  }
}

KPP_REGISTER_OP(OpDef{
    .name = "StridedSlice",
    .inputs = schema::kStridedSlice.specs(),
    .outputs = {"output: T"},
    .attrs = attrs_with({"T: type", "Index: {int32, int64}"}),
    .shape_fn = strided_slice_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      const Tensor x = op.input(0);
      return {op_builder::create1("StridedSliceGrad", {shape(x), op.input(1), op.input(2), op.input(3), g[0]},
                                  mask_attrs(op)),
              Tensor(), Tensor(), Tensor()};
    },
    .allocates_outputs = true,
});

KPP_REGISTER_OP(OpDef{
    .name = "StridedSliceGrad",
    .inputs = schema::kStridedSliceGrad.specs(),
    .outputs = {"output: T"},
    .attrs = attrs_with({"T: type", "Index: {int32, int64}"}),
    .shape_fn = [](InferenceContext& c) {
      std::vector<int64_t> d;
      if (constant_list(c, 0, d)) {
        c.set_output(0, c.input_dtypes[4], TensorShape(d));
      } else {
        const TensorShape& s = c.input_shapes[0];
        c.set_output(0, c.input_dtypes[4],
                     s.has_rank() && s.dim(0) >= 0 ? TensorShape(std::vector<int64_t>(static_cast<size_t>(s.dim(0)), -1))
                                                   : TensorShape::unknown());
      }
    },
    // Linear in dy: its gradient slices the incoming gradient the same way.
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {Tensor(), Tensor(), Tensor(), Tensor(),
              op_builder::create1("StridedSlice", {g[0], op.input(1), op.input(2), op.input(3)}, mask_attrs(op))};
    },
    .zero_preserving = {"dy"},
    .allocates_outputs = true,
});

Tensor ints(const std::vector<int64_t>& v) {
  std::vector<int32_t> w(v.begin(), v.end());
  return constant(np::Array::from_vector(w, {static_cast<int64_t>(w.size())}));
}

}  // namespace

Tensor strided_slice(const Tensor& input, const std::vector<int64_t>& begin, const std::vector<int64_t>& end,
                     const std::vector<int64_t>& strides, const StridedSliceMasks& masks, const std::string& name) {
  std::vector<int64_t> st = strides.empty() ? std::vector<int64_t>(begin.size(), 1) : strides;
  return op_builder::create1("StridedSlice", {input, ints(begin), ints(end), ints(st)},
                             {{"begin_mask", masks.begin_mask},
                              {"end_mask", masks.end_mask},
                              {"ellipsis_mask", masks.ellipsis_mask},
                              {"new_axis_mask", masks.new_axis_mask},
                              {"shrink_axis_mask", masks.shrink_axis_mask}},
                             name.empty() ? "strided_slice" : name);
}

Tensor strided_slice(const Tensor& input, const std::vector<SliceSpec>& spec, const std::string& name) {
  std::vector<int64_t> b, e, s;
  StridedSliceMasks m;
  for (size_t i = 0; i < spec.size(); ++i) {
    const SliceSpec& x = spec[i];
    const int64_t bit = int64_t{1} << i;
    b.push_back(x.begin.value_or(0));
    e.push_back(x.end.value_or(0));
    s.push_back(x.step);
    if (x.kind == SliceSpec::Kind::kEllipsis) m.ellipsis_mask |= bit;
    if (x.kind == SliceSpec::Kind::kNewAxis) m.new_axis_mask |= bit;
    if (x.kind == SliceSpec::Kind::kIndex) {
      m.shrink_axis_mask |= bit;
      e.back() = b.back() + 1;
    }
    if (x.kind == SliceSpec::Kind::kRange) {
      if (!x.begin) m.begin_mask |= bit;
      if (!x.end) m.end_mask |= bit;
    }
  }
  return strided_slice(input, b, e, s, m, name);
}

}  // namespace tf
