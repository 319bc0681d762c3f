// Conformance cases: activations and their gradient ops, BiasAdd(Grad), Floor,
// Softmax, LogSoftmax and the softmax cross-entropies.
#include <cmath>

#include "conformance.h"
#include "keraspp/np/philox.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

Case activation(const std::string& op, const std::function<tf::Tensor(const tf::Tensor&)>& f,
                std::function<double(double)> ref, double low = -2, double high = 2,
                const std::string& label = "") {
  return Case{.op = op, .label = label, .input_shapes = {{3, 5}},
              .build = [f](const V& in) { return Built{f(in[0])}; },
              .reference = [ref](const A& x) { return map1(x[0], ref); },
              .low = low, .high = high};
}

CONFORMANCE_CASE(activation("Relu", tf::nn::relu, [](double v) { return v > 0 ? v : 0; }));
CONFORMANCE_CASE(activation("Relu6", tf::nn::relu6, [](double v) { return std::min(std::max(v, 0.0), 6.0); }, -2, 8));
CONFORMANCE_CASE(activation("Elu", tf::nn::elu, [](double v) { return v > 0 ? v : std::exp(v) - 1; }));
CONFORMANCE_CASE(activation("Selu", tf::nn::selu, [](double v) {
  return kSeluScale * (v > 0 ? v : kSeluAlpha * (std::exp(v) - 1));
}));
CONFORMANCE_CASE(activation("Softplus", tf::nn::softplus, [](double v) { return std::log(1 + std::exp(v)); }, -6, 6));
// Far from 0 a naive log(1 + exp(x)) overflows (float32 exp(100) = inf).
CONFORMANCE_CASE(activation("Softplus", tf::nn::softplus,
                            [](double v) { return v > 0 ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v)); },
                            -100, 100, "large"));
CONFORMANCE_CASE(activation("Softsign", tf::nn::softsign, [](double v) { return v / (1 + std::abs(v)); }));
CONFORMANCE_CASE(activation("LeakyRelu", [](const tf::Tensor& x) { return tf::nn::leaky_relu(x); },
                            [](double v) { return v > 0 ? v : 0.2 * v; }));
CONFORMANCE_CASE(activation("LeakyRelu", [](const tf::Tensor& x) { return tf::nn::leaky_relu(x, 0.01); },
                            [](double v) { return v > 0 ? v : 0.01 * v; }, -2, 2, "alpha"));
// Floor's gradient is None; floor is flat between integers, so the numeric
// gradient is 0 too.
CONFORMANCE_CASE(activation("Floor", [](const tf::Tensor& x) { return tf::floor(x); },
                            [](double v) { return std::floor(v); }, -3, 3));

// Gradient ops built directly: (gradients, x) -> g * f'(x) (x = the forward
// op's output for Relu, Elu and Selu, as TF's).
Case grad_op(const std::string& op, std::function<double(double, double)> ref, double low = -2,
             double high = 2, tf::AttrMap attrs = {}) {
  return Case{.op = op, .input_shapes = {{3, 4}, {3, 4}},
              .build = [op, attrs](const V& in) {
                return Built{tf::op_builder::create1(op, {in[0], in[1]}, attrs)};
              },
              .reference = [ref](const A& x) { return map2(x[0], x[1], ref); },
              .low = low, .high = high};
}
CONFORMANCE_CASE(grad_op("ReluGrad", [](double g, double y) { return y > 0 ? g : 0; }));
CONFORMANCE_CASE(grad_op("Relu6Grad", [](double g, double x) { return x > 0 && x < 6 ? g : 0; }, -2, 8));
CONFORMANCE_CASE(grad_op("EluGrad", [](double g, double y) { return y > 0 ? g : g * (y + 1); }, -0.9, 2));
CONFORMANCE_CASE(grad_op("SeluGrad", [](double g, double y) {
  return y > 0 ? g * kSeluScale : g * (y + kSeluScale * kSeluAlpha);
}, -1.5, 2));
CONFORMANCE_CASE(grad_op("SoftplusGrad", [](double g, double x) { return g * sigmoid(x); }));
CONFORMANCE_CASE(grad_op("SoftsignGrad", [](double g, double x) { return g / ((1 + std::abs(x)) * (1 + std::abs(x))); }));
CONFORMANCE_CASE(grad_op("LeakyReluGrad", [](double g, double x) { return x > 0 ? g : 0.3 * g; }, -2, 2,
                         {{"alpha", 0.3}}));

// BiasAdd: value [..., C] + bias [C].
Case bias_add(np::Shape v, const std::string& label) {
  const int64_t c = v.back();
  return Case{.op = "BiasAdd", .label = label, .input_shapes = {v, {c}},
              .build = [](const V& in) { return Built{tf::nn::bias_add(in[0], in[1])}; },
              .reference = [](const A& x) { return map2(x[0], x[1], [](double a, double b) { return a + b; }); }};
}
CONFORMANCE_CASE(bias_add({4, 3}, "2d"));
CONFORMANCE_CASE(bias_add({2, 3, 5}, "3d"));
CONFORMANCE_CASE(Case{.op = "BiasAddGrad", .input_shapes = {{2, 3, 4}},
                      .build = [](const V& in) { return Built{tf::op_builder::create1("BiasAddGrad", {in[0]})}; },
                      .reference = [](const A& x) {
                        np::Array out = np::zeros({4}, np::float64);
                        for (int64_t i = 0; i < x[0].size(); ++i)
                          out.set_flat(i % 4, out.get_flat(i % 4) + x[0].get_flat(i));
                        return out;
                      }});

// Softmax / log-softmax along `axis` of a [outer, n, inner] view.
np::Array ref_softmax(const np::Array& x, int axis, bool log) {
  const int rank = x.ndim();
  if (axis < 0) axis += rank;
  int64_t outer = 1, n = x.shape(axis), inner = 1;
  for (int i = 0; i < rank; ++i) {
    if (i < axis) outer *= x.shape(i);
    if (i > axis) inner *= x.shape(i);
  }
  np::Array out = np::Array::empty(x.shape(), np::float64);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t j) { return (o * n + j) * inner + i; };
      double m = -INFINITY, s = 0;
      for (int64_t j = 0; j < n; ++j) m = std::max(m, x.get_flat(at(j)));
      for (int64_t j = 0; j < n; ++j) s += std::exp(x.get_flat(at(j)) - m);
      for (int64_t j = 0; j < n; ++j) {
        const double z = x.get_flat(at(j)) - m;
        out.set_flat(at(j), log ? z - std::log(s) : std::exp(z) / s);
      }
    }
  return out;
}

Case softmax(const std::string& op, np::Shape s, int axis, const std::string& label, double low = -2,
             double high = 2) {
  const bool log = op == "LogSoftmax";
  return Case{.op = op, .label = label, .input_shapes = {s},
              .build = [=](const V& in) {
                return Built{log ? tf::nn::log_softmax(in[0], axis) : tf::nn::softmax(in[0], axis)};
              },
              .reference = [=](const A& x) { return ref_softmax(x[0], axis, log); },
              .low = low, .high = high};
}
CONFORMANCE_CASE(softmax("Softmax", {3, 5}, -1, "last"));
CONFORMANCE_CASE(softmax("Softmax", {2, 3, 4}, 1, "middle"));
CONFORMANCE_CASE(softmax("Softmax", {5}, 0, "vector"));
// Unshifted, exp(110) overflows float32: the kernel must subtract the max.
CONFORMANCE_CASE(softmax("Softmax", {3, 5}, -1, "large", 100, 110));
CONFORMANCE_CASE(softmax("LogSoftmax", {3, 5}, -1, "last"));
CONFORMANCE_CASE(softmax("LogSoftmax", {2, 3, 4}, 0, "first"));
CONFORMANCE_CASE(softmax("LogSoftmax", {3, 5}, -1, "large", 100, 110));

// Logits uniform in [low, high) and labels a distribution per row (positive,
// summing to 1), so backprop = softmax - labels is the loss's true gradient.
A xent_inputs(const np::Shape& s, double low, double high) {
  np::random::Philox4x32 rng(2024, 5);
  auto unit = [&] {
    auto b = rng.next();
    return np::random::Philox4x32::to_double(b[0], b[1]);
  };
  np::Array logits = np::Array::empty(s, np::float64), labels = np::Array::empty(s, np::float64);
  const int64_t c = s.back(), rows = logits.size() / c;
  for (int64_t r = 0; r < rows; ++r) {
    double sum = 0;
    for (int64_t j = 0; j < c; ++j) {
      logits.set_flat(r * c + j, low + (high - low) * unit());
      labels.set_flat(r * c + j, 0.1 + unit());
      sum += labels.get_flat(r * c + j);
    }
    for (int64_t j = 0; j < c; ++j) labels.set_flat(r * c + j, labels.get_flat(r * c + j) / sum);
  }
  return {logits, labels};
}

// loss [...] = -sum(labels * log_softmax(logits)); backprop = softmax - labels.
np::Array ref_xent(const np::Array& logits, const np::Array& labels, bool backprop) {
  const np::Array ls = ref_softmax(logits, -1, true);
  const int64_t c = logits.shape(-1), rows = logits.size() / c;
  np::Shape lead(logits.shape().begin(), logits.shape().end() - 1);
  np::Array out = np::zeros(backprop ? logits.shape() : lead, np::float64);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t j = 0; j < c; ++j) {
      const int64_t i = r * c + j;
      if (backprop) out.set_flat(i, std::exp(ls.get_flat(i)) - labels.get_flat(i));
      else out.set_flat(r, out.get_flat(r) - labels.get_flat(i) * ls.get_flat(i));
    }
  return out;
}

Case xent(np::Shape s, bool backprop, const std::string& label, double low = -2, double high = 2) {
  return Case{.op = "SoftmaxCrossEntropyWithLogits", .label = label, .input_shapes = {s, s},
              .build = [backprop](const V& in) {
                const tf::Tensor loss = tf::nn::softmax_cross_entropy_with_logits(in[1], in[0]);
                return Built{backprop ? loss.op().output(1) : loss};
              },
              .reference = [backprop](const A& x) { return ref_xent(x[0], x[1], backprop); },
              .inputs = [s, low, high] { return xent_inputs(s, low, high); }};
}
CONFORMANCE_CASE(xent({4, 5}, false, "loss"));
CONFORMANCE_CASE(xent({2, 3, 4}, false, "loss_3d"));
CONFORMANCE_CASE(xent({4, 5}, false, "large", 200, 230));
// The backprop output's own gradient (second-order use, as TF >= 1.5).
CONFORMANCE_CASE(xent({4, 5}, true, "backprop"));
// Classes on axis 0: built from LogSoftmax (no transposes needed).
CONFORMANCE_CASE(Case{.op = "LogSoftmax", .label = "xent_dim0", .input_shapes = {{5, 4}, {5, 4}},
                      .build = [](const V& in) {
                        return Built{tf::nn::softmax_cross_entropy_with_logits({.labels = in[1], .logits = in[0], .dim = 0})};
                      },
                      .reference = [](const A& x) {
                        const np::Array ls = ref_softmax(x[0], 0, true);
                        np::Array out = np::zeros({4}, np::float64);
                        for (int64_t i = 0; i < 5; ++i)
                          for (int64_t j = 0; j < 4; ++j)
                            out.set_flat(j, out.get_flat(j) - x[1].at<double>(i, j) * ls.at<double>(i, j));
                        return out;
                      },
                      .low = 0.1, .high = 1});

// Sparse: int labels (no gradient) in [0, C).
Case sparse_xent(np::DType label_type, bool backprop, const std::string& label, double low = -2,
                 double high = 2) {
  return Case{.op = "SparseSoftmaxCrossEntropyWithLogits", .label = label,
              .input_shapes = {{4, 5}, {4}},
              .build = [backprop](const V& in) {
                const tf::Tensor loss = tf::nn::sparse_softmax_cross_entropy_with_logits(in[1], in[0]);
                return Built{backprop ? loss.op().output(1) : loss};
              },
              .reference = [backprop](const A& x) {
                const np::Array ls = ref_softmax(x[0], -1, true);
                np::Array out = np::zeros(backprop ? np::Shape{4, 5} : np::Shape{4}, np::float64);
                for (int64_t r = 0; r < 4; ++r) {
                  const auto y = static_cast<int64_t>(x[1].get_flat(r));
                  if (!backprop) out.set_flat(r, -ls.at<double>(r, y));
                  else
                    for (int64_t j = 0; j < 5; ++j)
                      out.at<double>(r, j) = std::exp(ls.at<double>(r, j)) - (j == y ? 1 : 0);
                }
                return out;
              },
              .inputs = [label_type, low, high] {
                np::Array labels = np::Array::empty({4}, label_type);
                const int v[4] = {3, 0, 4, 3};  // a repeated label and both ends
                for (int r = 0; r < 4; ++r) labels.set_flat(r, v[r]);
                return A{xent_inputs({4, 5}, low, high)[0], labels};
              }};
}
CONFORMANCE_CASE(sparse_xent(np::int32, false, "int32"));
CONFORMANCE_CASE(sparse_xent(np::int64, false, "int64"));
CONFORMANCE_CASE(sparse_xent(np::int32, false, "large", 200, 230));
CONFORMANCE_CASE(sparse_xent(np::int64, true, "backprop"));

}  // namespace
}  // namespace conformance
