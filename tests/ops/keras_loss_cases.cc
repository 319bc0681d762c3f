// Conformance cases: the fused Keras categorical cross-entropy ops
// (src/ops/keras_loss_ops.cc) against plain float64 formulas, and their
// gradients (the gradient ops' own: second derivatives of the loss) against
// finite differences. Inputs lie in [0.1, 1], so rows of C >= 2 classes are
// never clipped and the loss is smooth there; with C = 1 every p is 1,
// clipped to 1 - eps (a constant: zero gradient w.r.t. y_pred). Bit-identity
// with Keras's composite graph is checked in keras_xent_test.cc.
#include <algorithm>
#include <cmath>

#include "conformance.h"
#include "keraspp/ops/keras_loss_ops.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

constexpr double kEps = 1e-7;

// Rows of the last axis: calls f(row, y_true row, y_pred row, C).
template <class F> void for_rows(const np::Array& t, const np::Array& y, F f) {
  const int64_t c = y.shape().back();
  const int64_t rows = c ? y.size() / c : 0;
  std::vector<double> tr(static_cast<size_t>(c)), yr(static_cast<size_t>(c));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < c; ++j) {
      tr[static_cast<size_t>(j)] = t.get_flat(r * c + j);
      yr[static_cast<size_t>(j)] = y.get_flat(r * c + j);
    }
    f(r, tr, yr, c);
  }
}

np::Shape leading(const np::Array& y) { return np::Shape(y.shape().begin(), y.shape().end() - 1); }

double clip(double q) { return std::min(std::max(q, kEps), 1 - kEps); }
bool passes(double q) { return q >= kEps && q <= 1 - kEps; }
double row_sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

// y_true, y_pred [..., C] -> -sum(t log(clip(y / sum(y)))) [...].
np::Array loss_reference(const A& in) {
  np::Array out = np::Array::empty(leading(in[1]), np::float64);
  for_rows(in[0], in[1], [&](int64_t r, const auto& t, const auto& y, int64_t c) {
    const double s = row_sum(y);
    double l = 0;
    for (int64_t j = 0; j < c; ++j) l -= t[static_cast<size_t>(j)] * std::log(clip(y[static_cast<size_t>(j)] / s));
    out.set_flat(r, l);
  });
  return out;
}

// (g [...], y_true, y_pred) -> g * d loss / d y_pred: with a = -g t [p
// unclipped], a / y - sum(a) / s.
np::Array grad_reference(const A& in) {
  np::Array out = np::Array::empty(in[2].shape(), np::float64);
  for_rows(in[1], in[2], [&](int64_t r, const auto& t, const auto& y, int64_t c) {
    const double g = in[0].get_flat(r), s = row_sum(y);
    double sum_a = 0;
    for (int64_t j = 0; j < c; ++j)
      if (passes(y[static_cast<size_t>(j)] / s)) sum_a += -g * t[static_cast<size_t>(j)];
    for (int64_t j = 0; j < c; ++j) {
      const double yj = y[static_cast<size_t>(j)];
      const double a = passes(yj / s) ? -g * t[static_cast<size_t>(j)] : 0.0;
      out.set_flat(r * c + j, a / yj - sum_a / s);
    }
  });
  return out;
}

// (g [...], y_true, y_pred) -> g * d loss / d y_true = -g log(clip(y / s)).
np::Array target_grad_reference(const A& in) {
  np::Array out = np::Array::empty(in[2].shape(), np::float64);
  for_rows(in[1], in[2], [&](int64_t r, const auto&, const auto& y, int64_t c) {
    const double g = in[0].get_flat(r), s = row_sum(y);
    for (int64_t j = 0; j < c; ++j) out.set_flat(r * c + j, -g * std::log(clip(y[static_cast<size_t>(j)] / s)));
  });
  return out;
}

Case loss_case(const std::string& label, const np::Shape& shape) {
  return Case{.op = "KerasCategoricalCrossentropy", .label = label, .input_shapes = {shape, shape},
              .build = [](const V& in) { return Built{tf::keras_categorical_crossentropy(in[0], in[1], kEps)}; },
              .reference = loss_reference, .low = 0.1, .high = 1.0};
}

Case grad_case(const std::string& op, const std::string& label, const np::Shape& shape,
               np::Array (*reference)(const A&)) {
  const np::Shape g(shape.begin(), shape.end() - 1);
  return Case{.op = op, .label = label, .input_shapes = {g, shape, shape},
              .build = [op](const V& in) {
                return Built{tf::op_builder::create1(op, {in[0], in[1], in[2]}, {{"epsilon", kEps}})};
              },
              .reference = reference, .low = 0.1, .high = 1.0};
}

CONFORMANCE_CASE(loss_case("batch3_classes5", {3, 5}));
CONFORMANCE_CASE(loss_case("rank3", {2, 3, 4}));
CONFORMANCE_CASE(loss_case("rank1", {6}));
CONFORMANCE_CASE(loss_case("classes1_clipped", {4, 1}));

CONFORMANCE_CASE(grad_case("KerasCategoricalCrossentropyGrad", "batch3_classes4", {3, 4}, grad_reference));
CONFORMANCE_CASE(grad_case("KerasCategoricalCrossentropyGrad", "rank3", {2, 2, 3}, grad_reference));
CONFORMANCE_CASE(grad_case("KerasCategoricalCrossentropyGrad", "classes1_clipped", {3, 1}, grad_reference));
CONFORMANCE_CASE(grad_case("KerasCategoricalCrossentropyTargetGrad", "batch3_classes4", {3, 4},
                           target_grad_reference));
CONFORMANCE_CASE(grad_case("KerasCategoricalCrossentropyTargetGrad", "rank1", {5}, target_grad_reference));

}  // namespace
}  // namespace conformance
