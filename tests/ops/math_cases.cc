// Conformance cases: binary and unary elementwise math, MatMul.
#include <cmath>

#include "conformance.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

Case binary(const std::string& op, tf::Tensor (*f)(const tf::TensorLike&, const tf::TensorLike&, const std::string&),
            std::function<double(double, double)> ref, np::Shape a, np::Shape b, const std::string& label,
            double low = -2, double high = 2) {
  return Case{.op = op, .label = label, .input_shapes = {a, b},
              .build = [f](const V& in) { return Built{f(in[0], in[1], "")}; },
              .reference = [ref](const A& x) { return map2(x[0], x[1], ref); },
              .low = low, .high = high};
}

#define BINARY_CASES(OP, FN, REF, ...)                                                  \
  CONFORMANCE_CASE(binary(OP, FN, REF, {3, 4}, {3, 4}, "same", ##__VA_ARGS__));        \
  CONFORMANCE_CASE(binary(OP, FN, REF, {3, 4}, {4}, "row", ##__VA_ARGS__));            \
  CONFORMANCE_CASE(binary(OP, FN, REF, {2, 1, 3}, {4, 1}, "general", ##__VA_ARGS__));  \
  CONFORMANCE_CASE(binary(OP, FN, REF, {}, {2, 3}, "scalar", ##__VA_ARGS__))

BINARY_CASES("Add", tf::add, [](double a, double b) { return a + b; });
BINARY_CASES("Sub", tf::subtract, [](double a, double b) { return a - b; });
BINARY_CASES("Mul", tf::multiply, [](double a, double b) { return a * b; });
BINARY_CASES("RealDiv", tf::divide, [](double a, double b) { return a / b; }, 0.5, 2.0);
BINARY_CASES("Maximum", tf::maximum, [](double a, double b) { return a >= b ? a : b; });
BINARY_CASES("Minimum", tf::minimum, [](double a, double b) { return a <= b ? a : b; });
BINARY_CASES("Pow", tf::pow, [](double a, double b) { return std::pow(a, b); }, 0.5, 2.0);
BINARY_CASES("SquaredDifference", tf::squared_difference, [](double a, double b) { return (a - b) * (a - b); });

Case compare(const std::string& op, tf::Tensor (*f)(const tf::TensorLike&, const tf::TensorLike&, const std::string&),
             std::function<double(double, double)> ref) {
  Case c = binary(op, f, ref, {3, 4}, {4}, "row");
  // Integral values make ties (and equality) actually occur.
  c.inputs = [] {
    np::Array a = np::Array::empty({3, 4}, np::float64), b = np::Array::empty({4}, np::float64);
    for (int i = 0; i < 12; ++i) a.set_flat(i, i % 3);
    for (int i = 0; i < 4; ++i) b.set_flat(i, i % 2 + 0.0);
    return A{a, b};
  };
  c.check_gradient = false;
  return c;
}
CONFORMANCE_CASE(compare("Equal", tf::equal, [](double a, double b) { return a == b; }));
CONFORMANCE_CASE(compare("NotEqual", tf::not_equal, [](double a, double b) { return a != b; }));
CONFORMANCE_CASE(compare("Less", tf::less, [](double a, double b) { return a < b; }));
CONFORMANCE_CASE(compare("LessEqual", tf::less_equal, [](double a, double b) { return a <= b; }));
CONFORMANCE_CASE(compare("Greater", tf::greater, [](double a, double b) { return a > b; }));
CONFORMANCE_CASE(compare("GreaterEqual", tf::greater_equal, [](double a, double b) { return a >= b; }));
CONFORMANCE_CASE(Case{
    .op = "LogicalAnd", .input_shapes = {{2, 3}, {3}},
    .build = [](const V& in) { return Built{tf::logical_and(tf::greater(in[0], 0.0), tf::greater(in[1], 0.0))}; },
    .reference = [](const A& x) { return map2(x[0], x[1], [](double a, double b) { return a > 0 && b > 0; }); },
    .check_gradient = false});

Case unary(const std::string& op, tf::Tensor (*f)(const tf::Tensor&, const std::string&),
           std::function<double(double)> ref, double low = -2, double high = 2, bool grad = true) {
  return Case{.op = op, .input_shapes = {{3, 5}},
              .build = [f](const V& in) { return Built{f(in[0], "")}; },
              .reference = [ref](const A& x) { return map1(x[0], ref); },
              .low = low, .high = high, .check_gradient = grad};
}
CONFORMANCE_CASE(unary("Neg", tf::negative, [](double v) { return -v; }));
CONFORMANCE_CASE(unary("Exp", tf::exp, [](double v) { return std::exp(v); }));
CONFORMANCE_CASE(unary("Log", tf::log, [](double v) { return std::log(v); }, 0.2, 3));
CONFORMANCE_CASE(unary("Sqrt", tf::sqrt, [](double v) { return std::sqrt(v); }, 0.2, 3));
CONFORMANCE_CASE(unary("Rsqrt", tf::rsqrt, [](double v) { return 1 / std::sqrt(v); }, 0.2, 3));
CONFORMANCE_CASE(unary("Square", tf::square, [](double v) { return v * v; }));
CONFORMANCE_CASE(unary("Abs", tf::abs, [](double v) { return std::abs(v); }, 0.1, 2));
CONFORMANCE_CASE(unary("Abs", tf::abs, [](double v) { return std::abs(v); }, -2, -0.1));
CONFORMANCE_CASE(unary("Sign", tf::sign, [](double v) { return (v > 0) - (v < 0); }, -2, 2, false));
CONFORMANCE_CASE(unary("Reciprocal", tf::reciprocal, [](double v) { return 1 / v; }, 0.3, 2));
CONFORMANCE_CASE(unary("Sigmoid", tf::sigmoid, [](double v) { return 1 / (1 + std::exp(-v)); }, -6, 6));
CONFORMANCE_CASE(unary("Tanh", tf::tanh, [](double v) { return std::tanh(v); }));

np::Array ref_matmul(const np::Array& a, const np::Array& b, bool ta, bool tb) {
  const int64_t m = ta ? a.shape(1) : a.shape(0), k = ta ? a.shape(0) : a.shape(1);
  const int64_t n = tb ? b.shape(0) : b.shape(1);
  np::Array c = np::zeros({m, n}, np::float64);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t p = 0; p < k; ++p)
        s += (ta ? a.at<double>(p, i) : a.at<double>(i, p)) * (tb ? b.at<double>(j, p) : b.at<double>(p, j));
      c.at<double>(i, j) = s;
    }
  return c;
}

Case matmul(bool ta, bool tb) {
  np::Shape a = ta ? np::Shape{4, 3} : np::Shape{3, 4};
  np::Shape b = tb ? np::Shape{5, 4} : np::Shape{4, 5};
  return Case{.op = "MatMul", .label = std::string(ta ? "T" : "N") + (tb ? "T" : "N"),
              .input_shapes = {a, b},
              .build = [=](const V& in) {
                return Built{tf::matmul(in[0], in[1], {.transpose_a = ta, .transpose_b = tb})};
              },
              .reference = [=](const A& x) { return ref_matmul(x[0], x[1], ta, tb); }};
}
CONFORMANCE_CASE(matmul(false, false));
CONFORMANCE_CASE(matmul(false, true));
CONFORMANCE_CASE(matmul(true, false));
CONFORMANCE_CASE(matmul(true, true));

}  // namespace
}  // namespace conformance

namespace conformance {
namespace {
// Large enough for the float32 kernel's oneDNN sgemm path (the small cases
// above take its serial path); gradients are covered by the small cases.
Case large_matmul(bool ta, bool tb) {
  Case c = matmul(ta, tb);
  c.label = "large_" + c.label;
  c.input_shapes = {ta ? np::Shape{50, 40} : np::Shape{40, 50}, tb ? np::Shape{30, 50} : np::Shape{50, 30}};
  c.check_gradient = false;
  return c;
}
CONFORMANCE_CASE(large_matmul(false, false));
CONFORMANCE_CASE(large_matmul(true, false));
CONFORMANCE_CASE(large_matmul(false, true));
}  // namespace
}  // namespace conformance
