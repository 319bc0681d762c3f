// Random ops: RandomUniform, RandomStandardNormal, TruncatedNormal (shape
// tensor in, attrs dtype/seed/seed2), TF's seed rules, and the builders
// random_uniform / random_normal / truncated_normal.
#include "keraspp/ops/random_ops.h"

#include <limits>

#include "random_ops_schema.h"

#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/math_ops.h"

namespace tf {

namespace {

// shape: 1-d int32 -> a tensor of that shape with dtype attr. Static dims when
// the shape is a constant, else [?] * length (unknown rank if that is unknown).
void random_shape(InferenceContext& c) {
  const DType t = c.attr<DType>("dtype");
  const TensorShape& s = c.input_shapes[0];
  if (s.has_rank() && s.rank() != 1)
    throw ShapeError("Shape must be rank 1 but is rank " + std::to_string(s.rank()));
  
  if (const np::Array* v = c.input_constants[0]) {
    std::vector<int64_t> d;
    for (int64_t k = 0; k < v->size(); ++k) {
      const auto n = static_cast<int64_t>(v->get_flat(k));
      if (n < 0) throw ShapeError("Dimension " + std::to_string(k) + " must be >= 0, got " +
                                  std::to_string(n));
      d.push_back(n);
    }
    c.set_output(0, t, TensorShape(d));
  } else if (s.has_rank() && s.dim(0) >= 0) {
    c.set_output(0, t, TensorShape(std::vector<int64_t>(static_cast<size_t>(s.dim(0)), -1)));
  } else {
    c.set_output(0, t, TensorShape::unknown());
  }
}

#define KPP_RANDOM_OP(NAME)                                                      \
  KPP_REGISTER_OP(OpDef{.name = NAME,                                             \
                        .inputs = schema::kRandom.specs(),                        \
                        .outputs = {"output: dtype"},                             \
                        .attrs = {"T: {int32, int64}", "dtype: {float, double}",   \
                                  "seed: int = 0", "seed2: int = 0"},             \
                        .shape_fn = random_shape,                                 \
                        .differentiable = false,                                  \
                        .stateful = true})
KPP_RANDOM_OP("RandomUniform");
KPP_RANDOM_OP("RandomStandardNormal");
KPP_RANDOM_OP("TruncatedNormal");
#undef KPP_RANDOM_OP

void check_float(DType dtype) {
  if (!np::is_floating(dtype))
    throw keraspp::TypeError("Value passed to parameter 'dtype' has DataType " +
                             np::tf_dtype_name(dtype) +
                             " not in list of allowed values: float16, float32, float64");
}

// Adds `type` for the 1-d shape tensor with get_seed(op_seed), in the current scope.
Tensor raw_random(const char* type, const Tensor& shape, DType dtype,
                  std::optional<int64_t> op_seed) {
  const auto [seed, seed2] = get_seed(op_seed);
  return op_builder::create1(type, {shape}, {{"dtype", dtype}, {"seed", seed}, {"seed2", seed2}});
}

// random_normal / truncated_normal: rnd * stddev + mean, the add named exactly
// as the scope ("random_normal"), as TF names the result.
Tensor scaled_normal(const char* type, const char* scope_name, const ShapeLike& shape,
                     const RandomNormalOptions& opts) {
  check_float(opts.dtype);
  name_scope scope(opts.name.empty() ? scope_name : opts.name);
  const Tensor shape_t = shape.to_tensor();
  const Tensor mean = opts.mean.to_tensor(opts.dtype);
  const Tensor stddev = opts.stddev.to_tensor(opts.dtype);
  const Tensor rnd = raw_random(type, shape_t, opts.dtype, opts.seed);
  return add(multiply(rnd, stddev, "mul"), mean, scope.name());
}

}  // namespace

Tensor ShapeLike::to_tensor() const {
  if (tensor_) return tensor_;
  std::vector<int32_t> v;
  bool wide = false;  // a dim past int32: the shape is int64, never truncated
  for (int64_t d : dims_) {
    if (d < 0)
      throw keraspp::ValueError("Dimension " + std::to_string(d) + " must be >= 0");
    wide = wide || d > std::numeric_limits<int32_t>::max();
    v.push_back(static_cast<int32_t>(d));
  }
  const int64_t n = static_cast<int64_t>(dims_.size());
  if (wide) return constant(np::Array::from_vector(dims_, {n}), "shape");
  return constant(np::Array::from_vector(v, {n}), "shape");
}

void set_random_seed(int64_t seed) { get_default_graph().set_seed(seed); }

std::pair<int64_t, int64_t> get_seed(std::optional<int64_t> op_seed) {
  Graph g = get_default_graph();
  const int64_t graph_seed = g.seed();
  std::pair<int64_t, int64_t> seeds;
  if (graph_seed >= 0) {
    seeds = {graph_seed, op_seed ? *op_seed : g.next_op_seed()};
  } else if (op_seed) {
    seeds = {kDefaultGraphSeed, *op_seed};
  } else {
    return {0, 0};
  }
  // (0, 0) tells the kernels to seed nondeterministically; a user's seeds never do.
  if (seeds.first == 0 && seeds.second == 0) seeds.second = 2147483647;
  return seeds;
}

Tensor random_uniform(const ShapeLike& shape, const RandomUniformOptions& opts) {
  check_float(opts.dtype);
  name_scope scope(opts.name.empty() ? "random_uniform" : opts.name);
  const Tensor shape_t = shape.to_tensor();
  const Tensor minval = opts.minval.to_tensor(opts.dtype);
  const Tensor maxval = opts.maxval.to_tensor(opts.dtype);
  const Tensor rnd = raw_random("RandomUniform", shape_t, opts.dtype, opts.seed);
  const Tensor range = subtract(maxval, minval, "sub");
  return add(multiply(rnd, range, "mul"), minval, scope.name());
}

Tensor random_normal(const ShapeLike& shape, const RandomNormalOptions& opts) {
  return scaled_normal("RandomStandardNormal", "random_normal", shape, opts);
}

Tensor truncated_normal(const ShapeLike& shape, const RandomNormalOptions& opts) {
  return scaled_normal("TruncatedNormal", "truncated_normal", shape, opts);
}

}  // namespace tf
