// BiasAdd and BiasAddGrad, Floor, and tf.nn.dropout (a composite of
// random_uniform, add, Floor, div and mul, as TF 1.x builds it).
#include "keraspp/ops/nn_ops.h"

#include <cstdio>
#include <sstream>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

// value: [N, ..., C], bias: [C] -> value's shape.
void bias_add_shape(InferenceContext& c) {
  shape_fns::require_same_dtypes(c);
  const TensorShape& v = c.input_shapes[0];
  const TensorShape& b = c.input_shapes[1];
  if (b.has_rank() && b.rank() != 1)
    throw ShapeError("Shape must be rank 1 but is rank " + std::to_string(b.rank()));
  if (!v.has_rank()) {
    c.set_output(0, c.input_dtypes[0], v);
    return;
  }
  if (v.rank() < 2)
    throw ShapeError("Shape must be at least rank 2 but is rank " + std::to_string(v.rank()));
  std::vector<int64_t> d = v.dims();
  const int64_t vc = d.back(), bc = b.has_rank() ? b.dim(0) : -1;
  if (vc >= 0 && bc >= 0 && vc != bc)
    throw ShapeError("Dimensions must be equal, but are " + std::to_string(vc) + " and " +
                     std::to_string(bc));
  if (d.back() < 0) d.back() = bc;
  c.set_output(0, c.input_dtypes[0], TensorShape(d));
}

KPP_REGISTER_OP(OpDef{
    .name = "BiasAdd",
    .shape_fn = bias_add_shape,
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {g[0], op_builder::create1("BiasAddGrad", {g[0]})};
    },
});

// out_backprop: [N, ..., C] -> [C], the sum over all but the last axis.
KPP_REGISTER_OP(OpDef{
    .name = "BiasAddGrad",
    .shape_fn = [](InferenceContext& c) {
      const TensorShape& s = c.input_shapes[0];
      if (!s.has_rank()) {
        c.set_output(0, c.input_dtypes[0], TensorShape({-1}));
        return;
      }
      if (s.rank() < 2)
        throw ShapeError("Shape must be at least rank 2 but is rank " + std::to_string(s.rank()));
      c.set_output(0, c.input_dtypes[0], TensorShape({s.dim(-1)}));
    },
    // [C] -> broadcast back over the leading axes of the original input.
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      return {broadcast_to(g[0], shape(op.input(0)))};
    },
});

// floor is piecewise constant: TF registers a None gradient.
KPP_REGISTER_OP(OpDef{
    .name = "Floor",
    .shape_fn = [](InferenceContext& c) {
      shape_fns::require_float(c.input_dtypes[0]);
      shape_fns::unchanged(c);
    },
    .grad_fn = [](const Operation&, const Grads&) -> Grads { return {Tensor()}; },
});

// Scalar keep_prob of x's dtype, inside the "dropout" scope.
Tensor dropout_body(const Tensor& x, const Tensor& keep_prob, const nn::DropoutOptions& opts) {
  const Tensor noise_shape = opts.noise_shape ? opts.noise_shape->to_tensor() : shape(x);
  const Tensor uniform = random_uniform(noise_shape, {.dtype = x.dtype(), .seed = opts.seed});
  const Tensor binary = floor(add(keep_prob, uniform, "add"));
  Tensor ret = multiply(divide(x, keep_prob, "div"), binary, "mul");
  ret.set_shape(x.shape());
  return ret;
}

void require_float(const Tensor& x) {
  if (!np::is_floating(x.dtype()))
    throw keraspp::ValueError("x has to be a floating point tensor since it's going to be scaled. "
                              "Got a " + np::tf_dtype_name(x.dtype()) + " tensor instead.");
}

}  // namespace

Tensor floor(const Tensor& x, const std::string& name) {
  return op_builder::create1("Floor", {x}, {}, name);
}

namespace nn {

Tensor bias_add(const Tensor& value, const Tensor& bias, const std::string& name) {
  return op_builder::create1("BiasAdd", {value, bias}, {}, name);
}

Tensor dropout(const Tensor& x, double keep_prob, const DropoutOptions& opts) {
  if (!(keep_prob > 0 && keep_prob <= 1)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%g", keep_prob);
    throw keraspp::ValueError(
        std::string("keep_prob must be a scalar tensor or a float in the range (0, 1], got ") + buf);
  }
  require_float(x);
  name_scope scope(opts.name.empty() ? "dropout" : opts.name);
  if (keep_prob == 1) return x;  // TF: nothing to drop
  return dropout_body(x, constant(keep_prob, x.dtype(), "keep_prob"), opts);
}

Tensor dropout(const Tensor& x, const Tensor& keep_prob, const DropoutOptions& opts) {
  require_float(x);
  if (keep_prob.dtype() != x.dtype()) {
    std::ostringstream os;
    os << "Tensor conversion requested dtype " << np::dtype_name(x.dtype()) << " for Tensor with dtype "
       << np::dtype_name(keep_prob.dtype()) << ": '" << keep_prob << "'";
    throw keraspp::ValueError(os.str());
  }
  const TensorShape& s = keep_prob.shape();
  if (s.has_rank() && s.rank() != 0)
    throw keraspp::ValueError("Shapes " + s.str() + " and () are incompatible");
  name_scope scope(opts.name.empty() ? "dropout" : opts.name);
  // A constant 1 drops nothing (TF checks constant_value(keep_prob) == 1).
  const Operation op = keep_prob.op();
  if (op.type() == "Const" && op.get_attr<np::Array>("value").get_flat(0) == 1.0) return x;
  return dropout_body(x, keep_prob, opts);
}

}  // namespace nn
}  // namespace tf
