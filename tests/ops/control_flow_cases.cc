// Conformance cases: If, While, WhileGrad. The gradients of If and While
// are checked against central finite differences through the branch taken
// and through every iteration of the loop.
#include "conformance.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/control_flow_ops.h"
#include "keraspp/ops/math_ops.h"
#include "keraspp/ops/tensor_array_ops.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

CONFORMANCE_CASE(Case{.op = "If", .label = "true_branch", .input_shapes = {{2, 3}, {2, 3}},
                      .build = [](const V& in) {
                        return Built{tf::cond(tf::constant(np::Array::scalar(true)),
                                              [&] { return in[0] * in[1] * in[0]; },
                                              [&] { return in[0] + in[1]; })};
                      },
                      .reference = [](const A& x) {
                        return map2(x[0], x[1], [](double a, double b) { return a * b * a; });
                      }});
CONFORMANCE_CASE(Case{.op = "If", .label = "false_branch", .input_shapes = {{3}, {3}},
                      .build = [](const V& in) {
                        return Built{tf::cond(tf::less(tf::reduce_sum(in[0] * in[0]), -1.0),
                                              [&] { return in[0] * in[1]; },
                                              [&] { return tf::square(in[1]) - in[0]; })};
                      },
                      .reference = [](const A& x) {
                        return map2(x[0], x[1], [](double a, double b) { return b * b - a; });
                      }});

// acc <- acc * x + y, three times from acc = x: x^4 + y x^2 + y x + y.
tf::Tensor three_steps(const tf::Tensor& x, const tf::Tensor& y) {
  const auto out = tf::while_loop(
      [](const V& v) { return tf::less(v[0], 3); },
      [&](const V& v) { return V{v[0] + 1, v[1] * x + y}; },
      {tf::constant(np::Array::scalar(int32_t{0})), x});
  return out[1];
}

CONFORMANCE_CASE(Case{.op = "While", .input_shapes = {{2, 3}, {2, 3}}, .build = [](const V& in) {
                        return Built{three_steps(in[0], in[1])};
                      },
                      .reference = [](const A& x) {
                        return map2(x[0], x[1], [](double a, double b) { return a * a * a * a + b * a * a + b * a + b; });
                      },
                      .low = -1.0, .high = 1.0});

CONFORMANCE_CASE(Case{.op = "WhileGrad", .input_shapes = {{4}, {4}},
                      .build = [](const V& in) {
                        return Built{tf::gradients(three_steps(in[0], in[1]), {in[0]})[0]};
                      },
                      .reference = [](const A& x) {
                        return map2(x[0], x[1], [](double a, double b) { return 4 * a * a * a + 2 * b * a + b; });
                      },
                      .check_gradient = false});

// Row 1 of a [3, 2] flow replaced by y; both inputs get gradients.
CONFORMANCE_CASE(Case{.op = "TensorArrayWrite", .input_shapes = {{3, 2}, {2}},
                      .build = [](const V& in) { return Built{tf::TensorArray::from_flow(in[0]).write(1, in[1] * in[1]).stack()}; },
                      .reference = [](const A& x) {
                        np::Array out = x[0].copy();
                        for (int64_t j = 0; j < 2; ++j) out.at<double>(1, j) = x[1].get_flat(j) * x[1].get_flat(j);
                        return out;
                      }});

}  // namespace
}  // namespace conformance
