// TensorArray on one stacked tensor, its write op "TensorArrayWrite", and
// tf.map_fn / tf.scan built on tf::while_loop with a TensorArray loop var.
#include "keraspp/ops/tensor_array_ops.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/gather_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/strided_slice.h"

namespace tf {

namespace {

KPP_REGISTER_OP(OpDef{
    .name = "TensorArrayWrite",
    .inputs = {"flow_in: T", "index: int32", "value: T"},
    .outputs = {"flow_out: T"},
    .attrs = {"T: type"},
    .shape_fn = [](InferenceContext& c) {
      const TensorShape& flow = c.input_shapes[0];
      const TensorShape& value = c.input_shapes[2];
      if (flow.has_rank() && value.has_rank()) {
        if (flow.rank() != value.rank() + 1)
          throw ShapeError("Could not write to TensorArray because the value shape is " + value.debug_str() +
                           " which is incompatible with the TensorArray's element shape");
        for (int d = 0; d < value.rank(); ++d)
          if (flow.dim(d + 1) >= 0 && value.dim(d) >= 0 && flow.dim(d + 1) != value.dim(d))
            throw ShapeError("Could not write to TensorArray because the value shape is " + value.debug_str() +
                             " which is incompatible with the TensorArray's element shape " + flow.debug_str());
      }
      c.set_output(0, c.input_dtypes[0], flow);
    },
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      // The written row came from value; the rest of the flow passed through.
      const Tensor index = op.input(1);
      return {op_builder::create1("TensorArrayWrite", {g[0], index, zeros_like(op.input(2))}),
              Tensor(), gather(g[0], index)};
    },
});

Tensor int32_scalar(const TensorLike& v) {
  const Tensor t = v.to_tensor(int32);
  if (t.dtype() != int32) throw keraspp::TypeError("TensorArray index and size must be int32, got " + np::dtype_name(t.dtype()));
  return t;
}

}  // namespace

TensorArray::TensorArray(DType dtype, const TensorLike& size, const std::optional<TensorShape>& element_shape,
                         const std::string& tensor_array_name)
    : dtype_(dtype), size_(int32_scalar(size)) {
  if (element_shape && element_shape->fully_defined()) {
    name_scope scope(tensor_array_name);
    std::vector<Tensor> dims{reshape(size_, std::vector<int64_t>{1})};
    const std::vector<int32_t> elem(element_shape->dims().begin(), element_shape->dims().end());
    dims.push_back(constant(np::Array::from_vector(elem, {static_cast<int64_t>(elem.size())})));
    flow_ = fill(concat(dims, 0), constant(0.0, dtype));
  }
}

TensorArray TensorArray::from_flow(const Tensor& flow) {
  return TensorArray(flow.dtype(), strided_slice(shape(flow), {0}, {1}, {1}, {.shrink_axis_mask = 1}), flow);
}

const Tensor& TensorArray::flow() const {
  if (!flow_)
    throw keraspp::ValueError("TensorArray has no element shape yet: write, unstack or give element_shape first");
  return flow_;
}

Tensor TensorArray::size(const std::string& name) const { return identity(size_, name); }

Tensor TensorArray::read(const TensorLike& index, const std::string& name) const {
  return tf::gather(flow(), int32_scalar(index), 0, name.empty() ? "TensorArrayRead" : name);
}

TensorArray TensorArray::write(const TensorLike& index, const Tensor& value, const std::string& name) const {
  if (value.dtype() != dtype_)
    throw keraspp::TypeError("TensorArray dtype is " + np::dtype_name(dtype_) + " but Op is trying to write dtype " +
                             np::dtype_name(value.dtype()) + ".");
  Tensor flow = flow_;
  if (!flow) {
    std::vector<Tensor> dims{reshape(size_, std::vector<int64_t>{1}), shape(value)};
    flow = fill(concat(dims, 0), constant(0.0, dtype_));
  }
  return TensorArray(dtype_, size_, op_builder::create1("TensorArrayWrite", {flow, int32_scalar(index), value}, {}, name));
}

Tensor TensorArray::stack(const std::string& name) const { return identity(flow(), name.empty() ? "TensorArrayStack" : name); }

TensorArray TensorArray::unstack(const Tensor& value, const std::string& name) const {
  if (value.dtype() != dtype_)
    throw keraspp::TypeError("TensorArray dtype is " + np::dtype_name(dtype_) + " but Op is trying to write dtype " +
                             np::dtype_name(value.dtype()) + ".");
  return TensorArray(dtype_, size_, identity(value, name.empty() ? "TensorArrayUnstack" : name));
}

Tensor TensorArray::gather(const TensorLike& indices, const std::string& name) const {
  return tf::gather(flow(), indices, 0, name.empty() ? "TensorArrayGather" : name);
}

TensorArray TensorArray::scatter(const TensorLike& indices, const Tensor& value, const std::string& name) const {
  // Rows named by indices take value's rows; the others keep theirs.
  const Tensor idx = indices.to_tensor(int32);
  const Tensor base = flow_ ? flow_ : fill(concat({reshape(size_, std::vector<int64_t>{1}),
                                                   strided_slice(shape(value), {1}, {0}, {1}, {.end_mask = 1})}, 0),
                                          constant(0.0, dtype_));
  name_scope scope(name.empty() ? "TensorArrayScatter" : name);
  const Tensor hit = unsorted_segment_sum(ones_like(cast(idx, dtype_)), idx, size_);
  std::vector<int64_t> mask_shape{-1};
  for (int d = 1; d < value.shape().rank(); ++d) mask_shape.push_back(1);
  const Tensor keep = reshape(1.0 - hit, mask_shape);
  return TensorArray(dtype_, size_, base * keep + unsorted_segment_sum(value, idx, size_));
}

Tensor map_fn(const std::function<Tensor(const Tensor&)>& fn, const Tensor& elems, const WhileLoopOptions& options) {
  name_scope scope(options.name);
  const Tensor n = strided_slice(shape(elems), {0}, {1}, {1}, {.shrink_axis_mask = 1});
  const TensorArray in = TensorArray(elems.dtype(), n).unstack(elems);
  // The first row is computed here to give the result its element shape.
  const Tensor first = fn(in.read(0));
  const TensorArray out0 = TensorArray(first.dtype(), n).write(0, first);
  WhileLoopOptions o = options;
  o.name = "while";
  const auto r = while_loop([&](const std::vector<Tensor>& v) { return less(v[0], n); },
                            [&](const std::vector<Tensor>& v) {
                              const TensorArray acc = TensorArray::from_flow(v[1]);
                              return std::vector<Tensor>{v[0] + 1, acc.write(v[0], fn(in.read(v[0]))).flow()};
                            },
                            {constant(np::Array::scalar(int32_t{1})), out0.flow()}, o);
  return TensorArray::from_flow(r[1]).stack();
}

Tensor scan(const std::function<Tensor(const Tensor&, const Tensor&)>& fn, const Tensor& elems,
            const std::optional<Tensor>& initializer, const WhileLoopOptions& options) {
  name_scope scope(options.name);
  const Tensor n = strided_slice(shape(elems), {0}, {1}, {1}, {.shrink_axis_mask = 1});
  const TensorArray in = TensorArray(elems.dtype(), n).unstack(elems);
  const Tensor a0 = initializer ? *initializer : in.read(0);
  // Writing a0 sizes the storage; it is row 0 without an initializer (the
  // scan then starts at row 1), else the loop rewrites it.
  const TensorArray out = TensorArray(a0.dtype(), n).write(0, a0);
  const int32_t start = initializer ? 0 : 1;
  WhileLoopOptions o = options;
  o.name = "while";
  const auto r = while_loop([&](const std::vector<Tensor>& v) { return less(v[0], n); },
                            [&](const std::vector<Tensor>& v) {
                              const Tensor a = fn(v[1], in.read(v[0]));
                              return std::vector<Tensor>{v[0] + 1, a, TensorArray::from_flow(v[2]).write(v[0], a).flow()};
                            },
                            {constant(np::Array::scalar(start)), a0, out.flow()}, o);
  return TensorArray::from_flow(r[2]).stack();
}

}  // namespace tf
