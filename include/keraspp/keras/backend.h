// keras.backend (Keras 2.0.2's TensorFlow backend), used as
// `namespace K = keras::backend;`: the session and per-graph state Keras
// keeps (learning phase, layer-name uids), configuration (epsilon, floatx,
// image_data_format) and the tensor functions layers are written with.
//
//   namespace K = keras::backend;
//   sess.run(train_step, {{x, bx}, {y_, by}, {K::learning_phase(), 1}});
//
// Shapes follow Keras: a tf::TensorShape whose -1 dims print as None.
// Functions taking a dtype take Keras's string ("float32"; "" = floatx()).
#pragma once
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "keraspp/graph/graph.h"
#include "keraspp/ops/builder.h"
#include "keraspp/runtime/session.h"
#include "keraspp/variables/variable.h"

namespace keras::backend {

// ---- configuration (keras.json's fields) ----------------------------------

// Fuzz factor used by losses and constraints: 1e-7 by default.
double epsilon();
void set_epsilon(double e);
// Default float type of weights and inputs: "float32" by default.
// ValueError "Unknown floatx type: float8" for anything but float32/float64.
std::string floatx();
void set_floatx(const std::string& value);
// "channels_last" by default; ValueError "Unknown data_format:" + value.
std::string image_data_format();
void set_image_data_format(const std::string& data_format);
// "tensorflow".
std::string backend();
// Keras's dtype string ("float32", "int64", "bool", ...) to a tf dtype; ""
// means floatx(). TypeError "Unsupported dtype: float16".
tf::DType dtype_from_string(const std::string& dtype);

// ---- graph and session state ----------------------------------------------

// Per-graph, per-prefix counters starting at 1 (Keras's _GRAPH_UID_DICTS):
// the `N` of auto-named layers `dense_N`.
int64_t get_uid(const std::string& prefix = "");
// Clears the counters of every graph.
void reset_uids();
// Destroys the current graph and session and starts fresh ones: a new default
// graph (tf::reset_default_graph), counters reset, learning phase recreated.
// It also drops the Keras metadata of the old graph's tensors, which is what
// keeps its layers alive.
void clear_session();
// The session Keras runs in: the thread's default tf session if there is one,
// else a session on the default graph created on first use. Unless manual
// variable initialization is on, variables of that graph that Keras has not
// initialized yet in this session are initialized before it is returned.
tf::Session get_session();
void set_session(const tf::Session& session);
// When true, get_session() leaves variable initialization to the user.
void manual_variable_initialization(bool value);

// The learning phase of the default graph: a bool scalar placeholder named
// "keras_learning_phase" that is false (test) when not fed; feed 1/true for
// training behaviour (Dropout). After set_learning_phase(v) it is a bool
// constant v instead, and layers choose their branch when they are built.
tf::Tensor learning_phase();
// 0 (test) or 1 (train) for the default graph; ValueError "Expected learning
// phase to be 0 or 1." otherwise.
void set_learning_phase(int value);
// The value set with set_learning_phase for the default graph, if any.
std::optional<int> learning_phase_value();

// ---- variables and placeholders ---------------------------------------------

// A tf::Variable (not get_variable: enclosing name scopes prefix its name and
// variable-scope reuse does not apply) named `name` or "Variable", from an
// array, a number or a tensor computing the initial value.
tf::Variable variable(const np::Array& value, const std::string& dtype = "",
                      const std::string& name = "");
tf::Variable variable(double value, const std::string& dtype = "", const std::string& name = "");
tf::Variable variable(const tf::Tensor& value, const std::string& dtype = "",
                      const std::string& name = "");
// A constant of `value` (broadcast to `shape` when given).
tf::Tensor constant(double value, const std::string& dtype = "",
                    const std::optional<std::vector<int64_t>>& shape = std::nullopt,
                    const std::string& name = "");
tf::Tensor constant(const np::Array& value, const std::string& dtype = "",
                    const std::string& name = "");
// A placeholder of `shape` (-1 = None; unknown rank when `ndim` and `shape`
// are both unset).
tf::Tensor placeholder(const std::optional<std::vector<int64_t>>& shape = std::nullopt,
                       std::optional<int> ndim = std::nullopt, const std::string& dtype = "",
                       const std::string& name = "");
// Variables holding zeros / ones of `shape` (Keras's K.zeros / K.ones).
tf::Variable zeros(const std::vector<int64_t>& shape, const std::string& dtype = "",
                   const std::string& name = "");
tf::Variable ones(const std::vector<int64_t>& shape, const std::string& dtype = "",
                  const std::string& name = "");
tf::Tensor zeros_like(const tf::Tensor& x, const std::string& name = "");
tf::Tensor ones_like(const tf::Tensor& x, const std::string& name = "");

// The Keras shape of x (its recorded Keras shape when it is a Keras tensor,
// else its static shape; -1 = None).
tf::TensorShape int_shape(const tf::Tensor& x);
int ndim(const tf::Tensor& x);
// "float32", ...
std::string dtype(const tf::Tensor& x);
// Number of elements of a variable.
int64_t count_params(const tf::Variable& x);

// Values in the Keras session.
np::Array eval(const tf::Tensor& x);
np::Array get_value(const tf::Variable& x);
std::vector<np::Array> batch_get_value(const std::vector<tf::Variable>& xs);
// Loads a value (converted to the variable's dtype; shapes must match, else
// ValueError) into the variable, in the Keras session.
void set_value(const tf::Variable& x, const np::Array& value);
void batch_set_value(const std::vector<std::pair<tf::Variable, np::Array>>& tuples);

// ---- tensor functions ------------------------------------------------------

tf::Tensor identity(const tf::Tensor& x);
// x: [..., k], y: [k, n] -> [..., n] (an n-d x is reshaped around a matmul).
tf::Tensor dot(const tf::Tensor& x, const tf::Tensor& y);
// x: [..., C], bias: [C] -> x + bias.
tf::Tensor bias_add(const tf::Tensor& x, const tf::Tensor& bias);
// The same with Keras's data_format ("channels_last", "channels_first"; ""
// = image_data_format()): channels_first adds along axis 1.
tf::Tensor bias_add(const tf::Tensor& x, const tf::Tensor& bias, const std::string& data_format);

// ---- convolution and pooling (Keras 2.0.2's TF backend) --------------------

// A Keras int-or-pair argument: 3 or {3, 3} (rows, cols).
struct IntPair {
  int64_t rows, cols;
  IntPair(int64_t v) : rows(v), cols(v) {}  // NOLINT: Keras accepts an int for a pair
  IntPair(int64_t r, int64_t c) : rows(r), cols(c) {}
  bool operator==(const IntPair&) const = default;
};

// x: [batch, rows, cols, in] (channels_last) or [batch, in, rows, cols]
// (channels_first), kernel: [kh, kw, in, out] -> the 2-D convolution
// (op "Conv2D", NHWC or NCHW). padding "valid" or "same"; data_format ""
// = image_data_format(). ValueError "Unknown padding: ..." / "Unknown
// data_format ...".
tf::Tensor conv2d(const tf::Tensor& x, const tf::Tensor& kernel, IntPair strides = 1,
                  const std::string& padding = "valid", const std::string& data_format = "",
                  IntPair dilation_rate = 1);
// x: [batch, steps, in], kernel: [k, in, out] -> [batch, new_steps, out]:
// tf::nn::conv1d (a 1 x k Conv2D), or with dilation_rate > 1 the same
// Conv2D dilated. steps and in must be known (the unit axis is added by Reshape).
tf::Tensor conv1d(const tf::Tensor& x, const tf::Tensor& kernel, int64_t strides = 1,
                  const std::string& padding = "valid", int64_t dilation_rate = 1);
// x as in conv2d -> the max ("max") or mean ("avg", padding excluded) of each
// pool_size window (ops "MaxPool" / "AvgPool").
tf::Tensor pool2d(const tf::Tensor& x, IntPair pool_size, IntPair strides = 1,
                  const std::string& padding = "valid", const std::string& data_format = "",
                  const std::string& pool_mode = "max");
// x: [batch, steps, channels] -> pooled along steps (Keras's _Pooling1D:
// pool2d over [batch, steps, 1, channels]); steps and channels must be known.
tf::Tensor pool1d(const tf::Tensor& x, int64_t pool_size, int64_t strides, const std::string& padding = "valid",
                  const std::string& pool_mode = "max");

// ---- the rest of the conv family (image_ops.cc) ----------------------------

// x: [batch, rows, cols, in] (format as conv2d), kernel [kh, kw, out, in] ->
// output_shape [batch, rows', cols', out] in data_format's order (batch -1:
// x's batch at run time): the gradient of conv2d as a forward op
// (tf::nn::conv2d_transpose), with the static shape output_shape.
tf::Tensor conv2d_transpose(const tf::Tensor& x, const tf::Tensor& kernel, const std::vector<int64_t>& output_shape,
                            IntPair strides = 1, const std::string& padding = "valid",
                            const std::string& data_format = "");
// depthwise_kernel [kh, kw, in, m], pointwise_kernel [1, 1, in * m, out]
// (tf::nn::separable_conv2d).
tf::Tensor separable_conv2d(const tf::Tensor& x, const tf::Tensor& depthwise_kernel,
                            const tf::Tensor& pointwise_kernel, IntPair strides = 1,
                            const std::string& padding = "valid", const std::string& data_format = "",
                            IntPair dilation_rate = 1);
// Each element of x repeated rep times along axis (all dims but 0 known).
tf::Tensor repeat_elements(const tf::Tensor& x, int64_t rep, int axis);
// Nearest-neighbour upsampling of the rows and cols axes by integer factors.
tf::Tensor resize_images(const tf::Tensor& x, int64_t height_factor, int64_t width_factor,
                         const std::string& data_format = "");
// Zeros before/after the steps axis of [batch, steps, channels] (op "Pad").
tf::Tensor temporal_padding(const tf::Tensor& x, std::pair<int64_t, int64_t> padding = {1, 1});
// Zeros around the rows ({top, bottom}) and cols ({left, right}) axes.
tf::Tensor spatial_2d_padding(const tf::Tensor& x, std::pair<int64_t, int64_t> rows = {1, 1},
                              std::pair<int64_t, int64_t> cols = {1, 1}, const std::string& data_format = "");
tf::Tensor transpose(const tf::Tensor& x);
tf::Tensor cast(const tf::Tensor& x, const std::string& dtype);

// Reductions; axis nullopt = all axes.
tf::Tensor max(const tf::Tensor& x, std::optional<int> axis = std::nullopt, bool keepdims = false);
tf::Tensor min(const tf::Tensor& x, std::optional<int> axis = std::nullopt, bool keepdims = false);
tf::Tensor sum(const tf::Tensor& x, std::optional<int> axis = std::nullopt, bool keepdims = false);
tf::Tensor mean(const tf::Tensor& x, std::optional<int> axis = std::nullopt, bool keepdims = false);
// Logical or / and along an axis -> bool.
tf::Tensor any(const tf::Tensor& x, std::optional<int> axis = std::nullopt, bool keepdims = false);
tf::Tensor all(const tf::Tensor& x, std::optional<int> axis = std::nullopt, bool keepdims = false);
tf::Tensor argmax(const tf::Tensor& x, int axis = -1);

tf::Tensor square(const tf::Tensor& x);
tf::Tensor abs(const tf::Tensor& x);
// sqrt(clip(x, 0, inf)).
tf::Tensor sqrt(const tf::Tensor& x);
tf::Tensor exp(const tf::Tensor& x);
tf::Tensor log(const tf::Tensor& x);
tf::Tensor pow(const tf::Tensor& x, double a);
// min_value > max_value is treated as max_value = min_value, as Keras does.
tf::Tensor clip(const tf::Tensor& x, double min_value, double max_value);
tf::Tensor equal(const tf::Tensor& x, const tf::TensorLike& y);
tf::Tensor not_equal(const tf::Tensor& x, const tf::TensorLike& y);
tf::Tensor greater(const tf::Tensor& x, const tf::TensorLike& y);
tf::Tensor greater_equal(const tf::Tensor& x, const tf::TensorLike& y);
tf::Tensor less(const tf::Tensor& x, const tf::TensorLike& y);
tf::Tensor less_equal(const tf::Tensor& x, const tf::TensorLike& y);
tf::Tensor maximum(const tf::Tensor& x, const tf::TensorLike& y);
tf::Tensor minimum(const tf::Tensor& x, const tf::TensorLike& y);

tf::Tensor concatenate(const std::vector<tf::Tensor>& tensors, int axis = -1);
// shape: -1 for one inferred dimension.
tf::Tensor reshape(const tf::Tensor& x, const std::vector<int64_t>& shape);
// pattern: a permutation of the axes (numpy transpose's axes).
tf::Tensor permute_dimensions(const tf::Tensor& x, const std::vector<int>& pattern);
// x: [batch, dim] -> [batch, n, dim].
tf::Tensor repeat(const tf::Tensor& x, int64_t n);
// x: [batch, ...] -> [batch, prod(...)].
tf::Tensor batch_flatten(const tf::Tensor& x);
// x -> 1-d.
tf::Tensor flatten(const tf::Tensor& x);
// Inserts a size-1 axis at `axis` (-1 = last).
tf::Tensor expand_dims(const tf::Tensor& x, int axis = -1);
// x / sqrt(max(sum(x^2, axis), 1e-12)).
tf::Tensor l2_normalize(const tf::Tensor& x, int axis);

// ---- sequences (Keras 2.0.x, src/keras/backend/sequence_ops.cc) ----------

// reference[indices]: rows of a [n, ...] tensor (tf.gather).
tf::Tensor gather(const tf::Tensor& reference, const tf::Tensor& indices);
// indices: int [batch, ...] -> [batch, ..., num_classes] float32.
tf::Tensor one_hot(const tf::Tensor& indices, int64_t num_classes);
// Batchwise dot of x [batch, ...] and y [batch, ...] contracting axes
// (axes.first of x, axes.second of y; default: x's last and y's second to
// last, or both last for 2-d): 2-d -> [batch, 1]; 3-d -> [batch, n, m].
// ValueError for other ranks.
tf::Tensor batch_dot(const tf::Tensor& x, const tf::Tensor& y,
                     std::optional<std::pair<int, int>> axes = std::nullopt);
tf::Tensor stack(const std::vector<tf::Tensor>& x, int axis = 0);
// Removes the size-1 axis `axis`.
tf::Tensor squeeze(const tf::Tensor& x, int axis);
// n: one repeat count per axis.
tf::Tensor tile(const tf::Tensor& x, const std::vector<int64_t>& n);
// Reverses x along `axes`.
tf::Tensor reverse(const tf::Tensor& x, const std::vector<int>& axes);

// ---- neural-network functions ----------------------------------------------

// max(x, 0) with a leaky slope alpha below 0 and an optional cap.
tf::Tensor relu(const tf::Tensor& x, double alpha = 0.0,
                std::optional<double> max_value = std::nullopt);
// x if x > 0 else alpha * (exp(x) - 1).
tf::Tensor elu(const tf::Tensor& x, double alpha = 1.0);
tf::Tensor softmax(const tf::Tensor& x);
tf::Tensor softplus(const tf::Tensor& x);
tf::Tensor softsign(const tf::Tensor& x);
tf::Tensor sigmoid(const tf::Tensor& x);
// clip(0.2 * x + 0.5, 0, 1).
tf::Tensor hard_sigmoid(const tf::Tensor& x);
tf::Tensor tanh(const tf::Tensor& x);
// Inverted dropout of a fraction `level` (kept units scaled by 1/(1-level)).
// The op seed is drawn from np::random when not given, as Keras does, so
// np::random::seed makes models reproducible.
tf::Tensor dropout(const tf::Tensor& x, double level,
                   const std::optional<std::vector<int64_t>>& noise_shape = std::nullopt,
                   std::optional<int64_t> seed = std::nullopt);
// The same with a run-time noise shape (1-d int32), as SpatialDropout builds it.
tf::Tensor dropout(const tf::Tensor& x, double level, const tf::Tensor& noise_shape,
                   std::optional<int64_t> seed = std::nullopt);

// A branch: a tensor, or a function building it (only called when chosen).
class Branch {
 public:
  Branch(const tf::Tensor& t) : tensor_(t) {}
  template <class F>
    requires std::is_invocable_r_v<tf::Tensor, F&>
  Branch(F fn) : fn_(std::move(fn)) {}
  tf::Tensor get() const { return fn_ ? fn_() : tensor_; }

 private:
  tf::Tensor tensor_;
  std::function<tf::Tensor()> fn_;
};
// The learning phase (or `training`) as a choice: true/1 picks x, false/0
// picks alt when known while building; otherwise a tf::cond on it (only the
// branch taken runs; the result is marked as using the learning phase).
tf::Tensor in_train_phase(const Branch& x, const Branch& alt,
                          std::optional<bool> training = std::nullopt);
tf::Tensor in_train_phase(const Branch& x, const Branch& alt, const tf::Tensor& training);
tf::Tensor in_test_phase(const Branch& x, const Branch& alt,
                         std::optional<bool> training = std::nullopt);
// condition: a bool scalar -> then_expression or else_expression (same
// shape), a tf::cond; an elementwise condition selects with tf::where.
tf::Tensor switch_(const tf::Tensor& condition, const Branch& then_expression,
                   const Branch& else_expression);

// ---- batch normalization (src/keras/backend/normalization.cc) -------------
// As Keras 2.0.x's TF backend, except that a rank-4 x normalized over its
// axis 3 or 1 runs one FusedBatchNorm op (as Keras's backend does from
// 2.1.3), whose training variance carries Bessel's correction n / (n - 1).

// The normalized x, and the batch's mean and variance over reduction_axes
// (all axes but the feature axis). gamma / beta may be empty (None).
struct BatchNormInTraining {
  tf::Tensor normed, mean, variance;
};
BatchNormInTraining normalize_batch_in_training(const tf::Tensor& x, const tf::Tensor& gamma,
                                                const tf::Tensor& beta, const std::vector<int>& reduction_axes,
                                                double epsilon = 1e-3);
// (x - mean) / sqrt(var + epsilon) * gamma + beta; mean, var, beta, gamma
// broadcast against x, or are [C] vectors of x's feature `axis`.
tf::Tensor batch_normalization(const tf::Tensor& x, const tf::Tensor& mean, const tf::Tensor& var,
                               const tf::Tensor& beta, const tf::Tensor& gamma, double epsilon = 1e-3,
                               int axis = -1);
// x -= (x - value) * (1 - momentum): one AssignSub named "AssignMovingAvg"
// (TF's assign_moving_average without zero debiasing).
tf::Operation moving_average_update(const tf::Variable& x, const tf::Tensor& value, double momentum);

// ---- random tensors (seed drawn from np::random when not given) ----------

tf::Tensor random_uniform(const std::vector<int64_t>& shape, double minval = 0.0,
                          double maxval = 1.0, const std::string& dtype = "",
                          std::optional<int64_t> seed = std::nullopt);
tf::Tensor random_normal(const std::vector<int64_t>& shape, double mean = 0.0,
                         double stddev = 1.0, const std::string& dtype = "",
                         std::optional<int64_t> seed = std::nullopt);
tf::Tensor truncated_normal(const std::vector<int64_t>& shape, double mean = 0.0,
                            double stddev = 1.0, const std::string& dtype = "",
                            std::optional<int64_t> seed = std::nullopt);

// ---- graph helpers ---------------------------------------------------------

std::vector<tf::Tensor> gradients(const tf::Tensor& loss, const std::vector<tf::Variable>& variables);
tf::Tensor stop_gradient(const tf::Tensor& x);

// Whether x (an output of in_train_phase, or of layers built on one) depends
// on the learning phase (Keras's `_uses_learning_phase`).
bool uses_learning_phase(const tf::Tensor& x);
void set_uses_learning_phase(const tf::Tensor& x, bool value);

}  // namespace keras::backend

namespace keras {
namespace K = backend;
}  // namespace keras
