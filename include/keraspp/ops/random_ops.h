// Random ops (tf.random_uniform, tf.random_normal, tf.truncated_normal) and
// TF 1.x's seed rules (tf.set_random_seed, get_seed).
//
// Numbers come from Philox4x32-10 keyed by the op's (seed, seed2). Each run
// of a random op in a session continues its stream, so successive sess.run
// calls draw fresh numbers; a new session with the same seeds replays the
// same sequence; and the values never depend on the thread count.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/ops/builder.h"

namespace tf {

// A shape argument: static dims ({2, 3}) or a 1-d int32 tensor computed at run
// time (tf::shape(x)), as TF accepts either.
class ShapeLike {
 public:
  ShapeLike(std::initializer_list<int64_t> dims) : dims_(dims) {}
  ShapeLike(std::vector<int64_t> dims) : dims_(std::move(dims)) {}
  ShapeLike(const Tensor& shape) : tensor_(shape) {}
  bool is_tensor() const { return static_cast<bool>(tensor_); }
  // A 1-d int32 tensor (a Const for static dims).
  Tensor to_tensor() const;

 private:
  std::vector<int64_t> dims_;
  Tensor tensor_;
};

// TF's DEFAULT_GRAPH_SEED: the graph seed used when only an op seed is set.
inline constexpr int64_t kDefaultGraphSeed = 87654321;

// Sets the default graph's seed (tf.set_random_seed): random ops created
// afterwards without a seed get deterministic op seeds.
void set_random_seed(int64_t seed);
// TF's get_seed: the (seed, seed2) an op with `op_seed` gets in the default
// graph. Graph seed set: (graph seed, op_seed or the graph's next op seed);
// only op_seed set: (kDefaultGraphSeed, op_seed); neither: (0, 0), which the
// kernels read as "nondeterministic". (0, 0) from set seeds becomes (0, 2^31-1).
std::pair<int64_t, int64_t> get_seed(std::optional<int64_t> op_seed);

// shape -> uniform in [minval, maxval) (op "RandomUniform" in [0, 1), scaled),
// under name scope "random_uniform".
struct RandomUniformOptions {
  TensorLike minval = 0.0;
  TensorLike maxval = 1.0;
  DType dtype = float32;
  std::optional<int64_t> seed = std::nullopt;
  std::string name = "";
};
Tensor random_uniform(const ShapeLike& shape, const RandomUniformOptions& opts = {});

// shape -> normal(mean, stddev) (op "RandomStandardNormal", scaled and shifted),
// under name scope "random_normal".
struct RandomNormalOptions {
  TensorLike mean = 0.0;
  TensorLike stddev = 1.0;
  DType dtype = float32;
  std::optional<int64_t> seed = std::nullopt;
  std::string name = "";
};
Tensor random_normal(const ShapeLike& shape, const RandomNormalOptions& opts = {});

// shape -> normal(mean, stddev) with values beyond 2 stddev redrawn (op
// "TruncatedNormal"), under name scope "truncated_normal".
Tensor truncated_normal(const ShapeLike& shape, const RandomNormalOptions& opts = {});

}  // namespace tf
