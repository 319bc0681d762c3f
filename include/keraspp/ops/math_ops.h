// Math ops: elementwise arithmetic with broadcasting, matmul, reductions,
// comparisons. Names and argument order follow tf.* in TF 1.x.
#pragma once
#include <initializer_list>
#include <optional>
#include <vector>

#include "keraspp/ops/builder.h"

namespace tf {

Tensor add(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor subtract(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor multiply(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor divide(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor negative(const Tensor& x, const std::string& name = "");
Tensor maximum(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor minimum(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor pow(const TensorLike& x, const TensorLike& y, const std::string& name = "");
// Sum of same-shaped tensors.
Tensor add_n(const std::vector<Tensor>& inputs, const std::string& name = "");
Tensor squared_difference(const TensorLike& x, const TensorLike& y, const std::string& name = "");

Tensor exp(const Tensor& x, const std::string& name = "");
Tensor log(const Tensor& x, const std::string& name = "");
Tensor sqrt(const Tensor& x, const std::string& name = "");
Tensor rsqrt(const Tensor& x, const std::string& name = "");
Tensor square(const Tensor& x, const std::string& name = "");
Tensor abs(const Tensor& x, const std::string& name = "");
Tensor sign(const Tensor& x, const std::string& name = "");
Tensor reciprocal(const Tensor& x, const std::string& name = "");
Tensor sigmoid(const Tensor& x, const std::string& name = "");
Tensor tanh(const Tensor& x, const std::string& name = "");
Tensor clip_by_value(const Tensor& t, const TensorLike& clip_value_min,
                     const TensorLike& clip_value_max, const std::string& name = "");

// a: [m, k] (or [k, m] with transpose_a), b: [k, n] -> [m, n].
struct MatMulOptions {
  bool transpose_a = false;
  bool transpose_b = false;
  std::string name = "";
};
Tensor matmul(const Tensor& a, const Tensor& b, const MatMulOptions& opts = {});

// The axes a reduction reduces, as TF's `axis` argument: all of them
// (axis=None: `tf::all_axes`, the default), one (`1`, `-1`) or a list
// (`{0, 2}`; an empty list `{}` reduces none: the result is x, as in TF).
// Negative axes count from the end.
struct AllAxes {};
inline constexpr AllAxes all_axes{};
class Axes {
 public:
  Axes(AllAxes) {}
  Axes(int axis) : list_(std::vector<int>{axis}) {}
  Axes(std::initializer_list<int> axes) : list_(std::vector<int>(axes)) {}
  Axes(std::vector<int> axes) : list_(std::move(axes)) {}
  bool all() const { return !list_.has_value(); }
  // The listed axes (empty when all()).
  const std::vector<int>& list() const { return all() ? kNone : *list_; }

 private:
  static inline const std::vector<int> kNone = {};
  std::optional<std::vector<int>> list_;
};

struct ReduceOptions {
  bool keepdims = false;
  std::string name = "";
};
Tensor reduce_sum(const Tensor& x, const Axes& axis = all_axes, const ReduceOptions& opts = {});
Tensor reduce_mean(const Tensor& x, const Axes& axis = all_axes, const ReduceOptions& opts = {});
Tensor reduce_max(const Tensor& x, const Axes& axis = all_axes, const ReduceOptions& opts = {});

// -> int64 indices of the maximum along axis.
Tensor argmax(const Tensor& x, int axis, const std::string& name = "");
Tensor equal(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor not_equal(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor less(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor less_equal(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor greater(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor greater_equal(const TensorLike& x, const TensorLike& y, const std::string& name = "");
Tensor logical_and(const Tensor& x, const Tensor& y, const std::string& name = "");
Tensor logical_not(const Tensor& x, const std::string& name = "");

// C++ operators, as Python's on tf.Tensor.
Tensor operator+(const Tensor& a, const TensorLike& b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(const Tensor& a, const TensorLike& b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(const Tensor& a, const TensorLike& b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(const Tensor& a, const TensorLike& b);
Tensor operator/(double a, const Tensor& b);
Tensor operator-(const Tensor& a);

}  // namespace tf
