// tf.nn.dropout. TF 1.x builds it as a composite:
//   x / keep_prob * floor(keep_prob + random_uniform(noise_shape)).
// For the common case -- keep_prob a number or a Const, and a mask of x's own
// shape -- it is one op instead, _FusedDropout, which draws exactly the
// uniforms the composite's RandomUniform would (same seed/seed2, same per-run
// block reservation) and applies the same float operations in one pass; its
// gradient _FusedDropoutGrad computes the composite gradient's (dy * mask) /
// keep_prob. Outputs and gradients are bit-identical to the composite's
// (tests/ops/fused_dropout_test.cc). A tensor keep_prob or a broadcast
// noise_shape keep the composite.
#include <cstdio>
#include <sstream>

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/nn_ops.h"

#include "nn_dropout_schema.h"

namespace tf {

namespace {

using Grads = std::vector<Tensor>;

// The one shape two must-be-equal shapes describe (unknown dims filled from
// the other); ShapeError where they cannot be equal.
TensorShape merge_equal(const TensorShape& a, const TensorShape& b) {
  if (!a.has_rank()) return b;
  if (!b.has_rank()) return a;
  if (a.rank() != b.rank())
    throw ShapeError("Shapes must be equal rank, but are " + std::to_string(a.rank()) + " and " +
                     std::to_string(b.rank()));
  std::vector<int64_t> d = a.dims();
  for (int i = 0; i < a.rank(); ++i) {
    const int64_t bd = b.dim(i);
    if (d[static_cast<size_t>(i)] >= 0 && bd >= 0 && d[static_cast<size_t>(i)] != bd)
      throw ShapeError("Dimension " + std::to_string(i) + " in both shapes must be equal, but are " +
                       std::to_string(d[static_cast<size_t>(i)]) + " and " + std::to_string(bd));
    if (d[static_cast<size_t>(i)] < 0) d[static_cast<size_t>(i)] = bd;
  }
  return TensorShape(d);
}

// dy, mask: same shape -> dy * mask / keep_prob (attr keep_prob: the value in
// x's dtype, stored as a double).
Tensor fused_dropout_grad(const Tensor& dy, const Tensor& mask, double keep_prob) {
  return op_builder::create1("_FusedDropoutGrad", {dy, mask}, {{"keep_prob", keep_prob}},
                             "FusedDropoutGrad");
}

// x: any shape, float -> (y, mask) of x's shape and dtype: mask =
// floor(keep_prob + u), y = x / keep_prob * mask, u the uniforms of a
// RandomUniform with the op's seed/seed2 attrs. Stateful: each run draws anew.
KPP_REGISTER_OP(OpDef{
    .name = "_FusedDropout",
    .inputs = schema::kFusedDropout.specs(),
    .outputs = {"y: T", "mask: T"},
    .attrs = {"T: {float, double}", "keep_prob: float", "seed: int = 0", "seed2: int = 0"},
    .shape_fn = [](InferenceContext& c) {
      c.set_output(0, c.input_dtypes[0], c.input_shapes[0]);
      c.set_output(1, c.input_dtypes[0], c.input_shapes[0]);
    },
    // The mask is a floor: no gradient flows back through it, as in the composite.
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      if (!g[0]) return {Tensor()};
      return {fused_dropout_grad(g[0], op.output(1), op.get_attr<double>("keep_prob"))};
    },
    .stateful = true,
});

// dy, mask: equal shapes -> dy * mask / keep_prob. Linear in each input.
KPP_REGISTER_OP(OpDef{
    .name = "_FusedDropoutGrad",
    .inputs = schema::kFusedDropoutGrad.specs(),
    .outputs = {"output: T"},
    .attrs = {"T: {float, double}", "keep_prob: float"},
    .shape_fn = [](InferenceContext& c) {
      shape_fns::require_same_dtypes(c);
      c.set_output(0, c.input_dtypes[0], merge_equal(c.input_shapes[0], c.input_shapes[1]));
    },
    .grad_fn = [](const Operation& op, const Grads& g) -> Grads {
      const double kp = op.get_attr<double>("keep_prob");
      return {fused_dropout_grad(g[0], op.input(1), kp), fused_dropout_grad(g[0], op.input(0), kp)};
    },
});

void require_float(const Tensor& x) {
  if (!np::is_floating(x.dtype()))
    throw keraspp::ValueError("x has to be a floating point tensor since it's going to be scaled. "
                              "Got a " + np::tf_dtype_name(x.dtype()) + " tensor instead.");
}

// The keep/drop mask's shape, converted once (a Const "shape" for static
// dims); empty when absent, meaning x's shape.
Tensor noise_shape_tensor(const nn::DropoutOptions& opts) {
  return opts.noise_shape ? opts.noise_shape->to_tensor() : Tensor();
}

// Whether the mask has exactly x's shape: no noise_shape, tf::shape(x), or
// constant dims equal to x's fully known static shape.
bool mask_has_x_shape(const Tensor& x, const Tensor& noise) {
  if (!noise) return true;
  const Operation op = noise.op();
  if (op.type() == "Shape") return op.input(0) == x;
  if (op.type() != "Const" || !x.shape().fully_defined()) return false;
  const np::Array& v = op.get_attr<np::Array>("value");
  const std::vector<int64_t>& dims = x.shape().dims();
  if (v.ndim() != 1 || v.size() != static_cast<int64_t>(dims.size())) return false;
  for (int64_t i = 0; i < v.size(); ++i)
    if (static_cast<int64_t>(v.get_flat(i)) != dims[static_cast<size_t>(i)]) return false;
  return true;
}

// One _FusedDropout named "mul" (its output 0 is the composite's
// "dropout/mul:0"); the mask also appears as "Floor" (the composite's
// "dropout/Floor:0", the tensor TF programs fetch as the mask), a node plans
// prune unless it is fetched. keep_prob: the value in x's dtype.
Tensor fused_dropout(const Tensor& x, double keep_prob, std::optional<int64_t> op_seed) {
  const auto [seed, seed2] = get_seed(op_seed);
  const Operation op = op_builder::create(
      "_FusedDropout", {x}, {{"keep_prob", keep_prob}, {"seed", seed}, {"seed2", seed2}}, "mul");
  floor(op.output(1), "Floor");
  return op.output(0);
}

bool fusable_dtype(DType t) { return t == float32 || t == float64; }

// Scalar keep_prob of x's dtype, inside the "dropout" scope; noise: the mask
// shape (empty: x's).
Tensor dropout_body(const Tensor& x, const Tensor& keep_prob, const Tensor& noise,
                    const nn::DropoutOptions& opts) {
  const Tensor noise_shape = noise ? noise : shape(x);
  const Tensor uniform = random_uniform(noise_shape, {.dtype = x.dtype(), .seed = opts.seed});
  const Tensor binary = floor(add(keep_prob, uniform, "add"));
  Tensor ret = multiply(divide(x, keep_prob, "div"), binary, "mul");
  ret.set_shape(x.shape());
  return ret;
}

}  // namespace

namespace nn {

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
  const Tensor noise = noise_shape_tensor(opts);
  if (fusable_dtype(x.dtype()) && mask_has_x_shape(x, noise)) {
    // The number as the composite's Const of x's dtype holds it.
    const double kp = x.dtype() == float32 ? static_cast<float>(keep_prob) : keep_prob;
    return fused_dropout(x, kp, opts.seed);
  }
  return dropout_body(x, constant(keep_prob, x.dtype(), "keep_prob"), noise, opts);
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
  const bool is_const = op.type() == "Const";
  const double value = is_const ? op.get_attr<np::Array>("value").get_flat(0) : 0.0;
  if (is_const && value == 1.0) return x;
  const Tensor noise = noise_shape_tensor(opts);
  // The fused kernel relies on keep_prob in (0, 1]; other constants (no
  // error in TF) keep the composite's arithmetic.
  if (is_const && value > 0 && value <= 1 && fusable_dtype(x.dtype()) && mask_has_x_shape(x, noise))
    return fused_dropout(x, value, opts.seed);
  return dropout_body(x, keep_prob, noise, opts);
}

}  // namespace nn
}  // namespace tf
