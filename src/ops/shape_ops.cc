// Shape-manipulating ops: Shape, Size, Reshape, Fill, ZerosLike, OnesLike,
// Cast, SumToShape, BroadcastTo, Select, ConcatV2, AddN.
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

#include <limits>

#include "shape_ops_schema.h"

namespace tf {

namespace {

// Static shape from a constant 1-d shape tensor, or [?]*n / unknown.
TensorShape shape_from_input(const InferenceContext& c, int i) {
  if (const np::Array* v = c.input_constants[static_cast<size_t>(i)]) {
    std::vector<int64_t> d;
    for (int64_t k = 0; k < v->size(); ++k) d.push_back(static_cast<int64_t>(v->get_flat(k)));
    return TensorShape(d);
  }
  const TensorShape& s = c.input_shapes[static_cast<size_t>(i)];
  if (s.has_rank() && s.rank() == 1 && s.dim(0) >= 0)
    return TensorShape(std::vector<int64_t>(static_cast<size_t>(s.dim(0)), -1));
  return TensorShape::unknown();
}

KPP_REGISTER_OP(OpDef{
    .name = "Shape",
    .inputs = schema::kShape.specs(),
    .outputs = {"output: out_type"},
    .attrs = {"T: type", "out_type: {int32} = int32"},
    .shape_fn = [](InferenceContext& c) {
      const TensorShape& s = c.input_shapes[0];
      c.set_output(0, int32, s.has_rank() ? TensorShape({s.rank()}) : TensorShape({-1}));
    },
    .differentiable = false,
});

KPP_REGISTER_OP(OpDef{
    .name = "Size",
    .inputs = schema::kShape.specs(),
    .outputs = {"output: out_type"},
    .attrs = {"T: type", "out_type: type = int32"},
    .shape_fn = [](InferenceContext& c) {
      c.set_output(0, c.attr<DType>("out_type"), TensorShape::scalar());
    },
    .differentiable = false,
});

void reshape_shape(InferenceContext& c) {
  TensorShape target = shape_from_input(c, 1);
  const TensorShape& in = c.input_shapes[0];
  if (target.has_rank()) {
    std::vector<int64_t> d = target.dims();
    int unknown = -1;
    int64_t known = 1;
    for (size_t i = 0; i < d.size(); ++i) {
      if (d[i] < 0) {
        if (unknown >= 0 && c.input_constants[1])
          throw ShapeError("Cannot infer multiple unknown dimensions in shape " +
                           target.debug_str());
        unknown = static_cast<int>(i);
      } else if (__builtin_mul_overflow(known, d[i], &known)) {
        throw ShapeError("Encountered overflow computing the size of shape " + target.debug_str());
      }
    }
    const int64_t n = in.num_elements();
    if (n >= 0 && c.input_constants[1]) {
      if (unknown >= 0) {
        if (known == 0 || n % known != 0)
          throw ShapeError("Cannot reshape a tensor with " + std::to_string(n) +
                           " elements to shape " + target.debug_str() + " (" +
                           std::to_string(known) + " elements)");
        d[static_cast<size_t>(unknown)] = n / known;
      } else if (known != n) {
        throw ShapeError("Cannot reshape a tensor with " + std::to_string(n) +
                         " elements to shape " + target.debug_str() + " (" +
                         std::to_string(known) + " elements)");
      }
    }
    target = TensorShape(d);
  }
  c.set_output(0, c.input_dtypes[0], target);
}

KPP_REGISTER_OP(OpDef{
    .name = "Reshape",
    .inputs = schema::kReshape.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: type", "Tshape: {int32, int64}"},
    .shape_fn = reshape_shape,
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {reshape(g[0], shape(op.input(0))), Tensor()};
    },
    .zero_preserving = {"tensor"},
});

KPP_REGISTER_OP(OpDef{
    .name = "Fill",
    .inputs = schema::kFill.specs(),
    .outputs = {"output: T"},
    // index_type as TF 1.4+ (1.1 had int32 only): dims past 2^31 need int64.
    .attrs = {"T: type", "index_type: {int32, int64}"},
    .shape_fn = [](InferenceContext& c) {
      const TensorShape s = shape_from_input(c, 0);
      if (c.input_constants[0]) {
        int64_t n = 1;
        for (int64_t d : s.dims()) {
          if (d < 0) throw ShapeError("Fill dimensions must be >= 0, got " + s.debug_str());
          if (__builtin_mul_overflow(n, d, &n))
            throw ShapeError("Encountered overflow computing the size of shape " + s.debug_str());
        }
      }
      c.set_output(0, c.input_dtypes[1], s);
    },
    .grad_fn = [](const Operation&, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {Tensor(), reduce_sum(g[0])};
    },
});

KPP_REGISTER_OP(OpDef{.name = "ZerosLike",
                      .inputs = schema::kLike.specs(),
                      .outputs = {"y: T"},
                      .attrs = {"T: type"},
                      .shape_fn = shape_fns::unchanged,
                      .differentiable = false,
                      .produces_zeros = true});

KPP_REGISTER_OP(OpDef{.name = "OnesLike",
                      .inputs = schema::kLike.specs(),
                      .outputs = {"y: T"},
                      .attrs = {"T: type"},
                      .shape_fn = shape_fns::unchanged,
                      .differentiable = false});

KPP_REGISTER_OP(OpDef{
    .name = "Cast",
    .inputs = schema::kCast.specs(),
    .outputs = {"y: DstT"},
    .attrs = {"SrcT: type", "DstT: type"},
    .shape_fn = [](InferenceContext& c) {
      c.set_output(0, c.attr<DType>("DstT"), c.input_shapes[0]);
    },
    // Gradients pass between float types and stop at integers (as TF).
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      const DType src = op.input(0).dtype();
      if (!np::is_floating(src) || !np::is_floating(g[0].dtype())) return {Tensor()};
      return {cast(g[0], src)};
    },
    .converts_input = true,
});

KPP_REGISTER_OP(OpDef{
    .name = "SumToShape",
    .inputs = schema::kToShape.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: {float, double, int32, int64}", "Tshape: {int32, int64}"},
    .shape_fn = [](InferenceContext& c) {
      c.set_output(0, c.input_dtypes[0], shape_from_input(c, 1));
    },
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {broadcast_to(g[0], shape(op.input(0))), Tensor()};
    },
    .zero_preserving = {"input"},
});

KPP_REGISTER_OP(OpDef{
    .name = "BroadcastTo",
    .inputs = schema::kToShape.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: type", "Tshape: {int32, int64}"},
    .shape_fn = [](InferenceContext& c) {
      c.set_output(0, c.input_dtypes[0], shape_fns::broadcast(c.input_shapes[0], shape_from_input(c, 1)));
    },
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      return {sum_to_shape(g[0], shape(op.input(0))), Tensor()};
    },
});

KPP_REGISTER_OP(OpDef{
    .name = "Select",
    .inputs = schema::kSelect.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: type"},
    .shape_fn = [](InferenceContext& c) {
      if (c.input_dtypes[0] != bool_) throw ShapeError("condition must be bool");
      if (c.input_dtypes[1] != c.input_dtypes[2])
        throw ShapeError("Input 'e' of 'Select' Op has type " + np::tf_dtype_name(c.input_dtypes[2]) +
                         " that does not match type " + np::tf_dtype_name(c.input_dtypes[1]) +
                         " of argument 't'.");
      const TensorShape s = shape_fns::broadcast(c.input_shapes[1], c.input_shapes[2]);
      c.set_output(0, c.input_dtypes[1], shape_fns::broadcast(c.input_shapes[0], s));
    },
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      const Tensor zeros = zeros_like(g[0]);
      const Tensor c = op.input(0);
      return {Tensor(), sum_to_shape(where(c, g[0], zeros), shape(op.input(1))),
              sum_to_shape(where(c, zeros, g[0]), shape(op.input(2)))};
    },
    .select = OpDef::Select{"condition", "t", "e"},
});

KPP_REGISTER_OP(OpDef{
    .name = "ConcatV2",
    .inputs = schema::kConcatV2.specs(),
    .outputs = {"output: T"},
    .attrs = {"N: int", "T: type", "axis: int"},
    .shape_fn = [](InferenceContext& c) {
      const int n = c.num_inputs();
      int64_t axis = c.attr<int64_t>("axis");
      const TensorShape& first = c.input_shapes[0];
      if (!first.has_rank()) {
        c.set_output(0, c.input_dtypes[0], TensorShape::unknown());
        return;
      }
      std::vector<int64_t> d = first.dims();
      const int rank = first.rank();
      const int ax = op_builder::canonical_axis(static_cast<int>(axis), rank);
      for (int i = 1; i < n; ++i) {
        const TensorShape& s = c.input_shapes[static_cast<size_t>(i)];
        if (c.input_dtypes[static_cast<size_t>(i)] != c.input_dtypes[0])
          throw ShapeError("ConcatV2 inputs must have the same dtype");
        if (!s.has_rank()) continue;
        if (s.rank() != rank)
          throw ShapeError("Shape must be rank " + std::to_string(rank) + " but is rank " +
                           std::to_string(s.rank()));
        for (int k = 0; k < rank; ++k) {
          if (k == ax) {
            d[k] = (d[k] < 0 || s.dim(k) < 0) ? -1 : d[k] + s.dim(k);
          } else if (d[k] >= 0 && s.dim(k) >= 0 && d[k] != s.dim(k)) {
            throw ShapeError("Dimension " + std::to_string(k) + " in both shapes must be equal, "
                             "but are " + std::to_string(d[k]) + " and " + std::to_string(s.dim(k)));
          } else if (d[k] < 0) {
            d[k] = s.dim(k);
          }
        }
      }
      c.set_output(0, c.input_dtypes[0], TensorShape(d));
    },
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) -> std::vector<Tensor> {
      // Each input's gradient is its slice of g along the axis.
      std::vector<Tensor> inputs = op.inputs(), out;
      std::vector<Tensor> args{g[0]};
      args.insert(args.end(), inputs.begin(), inputs.end());
      for (size_t i = 0; i < inputs.size(); ++i)
        out.push_back(op_builder::create1(
            "ConcatGrad", args,
            {{"axis", op.get_attr<int64_t>("axis")}, {"index", static_cast<int64_t>(i)}}));
      return out;
    },
});

// Input `index`'s slice of a ConcatV2 gradient: inputs are (grad, the concat's
// inputs...), which give every earlier extent along the axis at run time.
KPP_REGISTER_OP(OpDef{
    .name = "ConcatGrad",
    .inputs = schema::kConcatGrad.specs(),
    .outputs = {"output: T"},
    .attrs = {"N: int", "T: type", "axis: int", "index: int"},
    .shape_fn = [](InferenceContext& c) {
      const auto i = static_cast<size_t>(c.attr<int64_t>("index"));
      c.set_output(0, c.input_dtypes[0], c.input_shapes.at(1 + i));
    },
    .differentiable = false,
});

KPP_REGISTER_OP(OpDef{
    .name = "AddN",
    .inputs = schema::kAddN.specs(),
    .outputs = {"sum: T"},
    .attrs = {"N: int", "T: {float, double, int32, int64}"},
    .shape_fn = [](InferenceContext& c) {
      shape_fns::require_same_dtypes(c);
      TensorShape s = c.input_shapes[0];
      for (int i = 1; i < c.num_inputs(); ++i) {
        if (!s.is_compatible_with(c.input_shapes[static_cast<size_t>(i)]))
          throw ShapeError("Shapes must be equal rank, but are " + std::to_string(s.rank()) +
                           " and " + std::to_string(c.input_shapes[static_cast<size_t>(i)].rank()));
        s = s.merge_with(c.input_shapes[static_cast<size_t>(i)]);
      }
      c.set_output(0, c.input_dtypes[0], s);
    },
    .grad_fn = [](const Operation& op, const std::vector<Tensor>& g) {
      return std::vector<Tensor>(static_cast<size_t>(op.num_inputs()), g[0]);
    },
    .sums_inputs = true,
});

// A 1-d shape constant: int32 as TF converts Python lists, int64 when a dim
// does not fit (never truncated: zeros([2^32 + 3]) is not zeros([3])).
Tensor shape_tensor(const std::vector<int64_t>& dims) {
  const int64_t n = static_cast<int64_t>(dims.size());
  for (int64_t d : dims)
    if (d > std::numeric_limits<int32_t>::max() || d < std::numeric_limits<int32_t>::min())
      return constant(np::Array::from_vector(dims, {n}));
  return constant(np::Array::from_vector(std::vector<int32_t>(dims.begin(), dims.end()), {n}));
}

}  // namespace

Tensor shape(const Tensor& x, const std::string& name) {
  return op_builder::create1("Shape", {x}, {}, name);
}
Tensor size(const Tensor& x, DType dtype, const std::string& name) {
  return op_builder::create1("Size", {x}, {{"out_type", dtype}}, name);
}
Tensor reshape(const Tensor& x, const TensorLike& s, const std::string& name) {
  return op_builder::create1("Reshape", {x, s.to_tensor(int32)}, {}, name);
}
Tensor reshape(const Tensor& x, const std::vector<int64_t>& s, const std::string& name) {
  return op_builder::create1("Reshape", {x, shape_tensor(s)}, {}, name);
}
Tensor fill(const TensorLike& dims, const TensorLike& value, const std::string& name) {
  return op_builder::create1("Fill", {dims.to_tensor(int32), value.to_tensor()}, {}, name);
}
Tensor zeros(const std::vector<int64_t>& s, DType dtype, const std::string& name) {
  return tf::fill(shape_tensor(s), constant(0.0, dtype), name.empty() ? "zeros" : name);
}
Tensor ones(const std::vector<int64_t>& s, DType dtype, const std::string& name) {
  return tf::fill(shape_tensor(s), constant(1.0, dtype), name.empty() ? "ones" : name);
}
Tensor zeros_like(const Tensor& x, const std::string& name) {
  return op_builder::create1("ZerosLike", {x}, {}, name);
}
Tensor ones_like(const Tensor& x, const std::string& name) {
  return op_builder::create1("OnesLike", {x}, {}, name);
}
Tensor cast(const Tensor& x, DType dtype, const std::string& name) {
  if (x.dtype() == dtype) return x;  // TF returns the input unchanged
  return op_builder::create1("Cast", {x}, {{"DstT", dtype}}, name);
}
Tensor sum_to_shape(const Tensor& x, const Tensor& s, const std::string& name) {
  return op_builder::create1("SumToShape", {x, s}, {}, name);
}
Tensor broadcast_to(const Tensor& x, const Tensor& s, const std::string& name) {
  return op_builder::create1("BroadcastTo", {x, s}, {}, name);
}
Tensor where(const Tensor& condition, const TensorLike& x, const TensorLike& y,
             const std::string& name) {
  auto [a, b] = convert_pair(x, y);
  return op_builder::create1("Select", {condition, a, b}, {}, name);
}
Tensor concat(const std::vector<Tensor>& values, int axis, const std::string& name) {
  if (values.empty()) throw keraspp::ValueError("concat: list of tensors must not be empty");
  if (values.size() == 1) return identity(values[0], name.empty() ? "concat" : name);
  return op_builder::create1("ConcatV2", values, {{"axis", static_cast<int64_t>(axis)}},
                             name.empty() ? "concat" : name);
}
Tensor add_n(const std::vector<Tensor>& inputs, const std::string& name) {
  if (inputs.empty()) throw keraspp::ValueError("inputs must be a list of at least one Tensor");
  if (inputs.size() == 1) return inputs[0];
  return op_builder::create1("AddN", inputs, {}, name);
}

}  // namespace tf
