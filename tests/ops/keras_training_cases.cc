// Conformance cases: the fused Keras optimizer updates (one step from known
// parameter/accumulator values against the Keras 2.0.2 formula; no gradient).
#include <algorithm>
#include <cmath>

#include "conformance.h"
#include "keraspp/ops/keras_training_ops.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

// Initial values: p = 1, first accumulator 0.3, second 0.2.
constexpr double kP = 1.0, kA = 0.3, kB = 0.2;

struct Vars {
  tf::Variable p, a, b;
  std::vector<tf::Operation> init() const {
    std::vector<tf::Operation> ops = {p.initializer(), a.initializer()};
    if (b) ops.push_back(b.initializer());
    return ops;
  }
};

Vars make_vars(tf::DType t, bool three) {
  Vars v;
  v.p = tf::Variable(tf::fill(tf::constant(np::Array::from_vector<int32_t>({2, 3}, {2})), tf::constant(kP, t)));
  v.a = tf::Variable(tf::fill(tf::constant(np::Array::from_vector<int32_t>({2, 3}, {2})), tf::constant(kA, t)));
  if (three)
    v.b = tf::Variable(tf::fill(tf::constant(np::Array::from_vector<int32_t>({2, 3}, {2})), tf::constant(kB, t)));
  return v;
}

tf::Tensor c(double v, tf::DType t) { return tf::constant(v, t); }

CONFORMANCE_CASE(Case{.op = "KerasSGDUpdate", .label = "momentum", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        const tf::DType t = in[0].dtype();
                        Vars v = make_vars(t, false);
                        return Built{tf::identity(tf::keras_sgd_update(v.p.ref(), v.a.ref(), c(0.1, t), c(0.9, t), in[0], false)), v.init()};
                      },
                      .reference = [](const A& x) {
                        return map1(x[0], [](double g) { return kP + (0.9 * kA - 0.1 * g); });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "KerasSGDUpdate", .label = "nesterov", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        const tf::DType t = in[0].dtype();
                        Vars v = make_vars(t, false);
                        return Built{tf::identity(tf::keras_sgd_update(v.p.ref(), v.a.ref(), c(0.1, t), c(0.9, t), in[0], true)), v.init()};
                      },
                      .reference = [](const A& x) {
                        return map1(x[0], [](double g) {
                          const double vel = 0.9 * kA - 0.1 * g;
                          return kP + 0.9 * vel - 0.1 * g;
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "KerasRMSpropUpdate", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        const tf::DType t = in[0].dtype();
                        Vars v = make_vars(t, false);
                        return Built{tf::identity(tf::keras_rmsprop_update(v.p.ref(), v.a.ref(), c(0.01, t), c(0.9, t), c(1e-7, t), in[0])), v.init()};
                      },
                      .reference = [](const A& x) {
                        return map1(x[0], [](double g) {
                          const double a = 0.9 * kA + 0.1 * g * g;
                          return kP - 0.01 * g / (std::sqrt(a) + 1e-7);
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "KerasAdagradUpdate", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        const tf::DType t = in[0].dtype();
                        Vars v = make_vars(t, false);
                        return Built{tf::identity(tf::keras_adagrad_update(v.p.ref(), v.a.ref(), c(0.05, t), c(1e-7, t), in[0])), v.init()};
                      },
                      .reference = [](const A& x) {
                        return map1(x[0], [](double g) {
                          return kP - 0.05 * g / (std::sqrt(kA + g * g) + 1e-7);
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "KerasAdadeltaUpdate", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        const tf::DType t = in[0].dtype();
                        Vars v = make_vars(t, true);
                        tf::Tensor up = tf::keras_adadelta_update(v.p.ref(), v.a.ref(), v.b.ref(), c(1.0, t), c(0.95, t), c(1e-6, t), in[0]);
                        // The delta accumulator is updated too: check both.
                        tf::control_dependencies d({up.op()});
                        return Built{up + tf::identity(v.b.value()) * 10.0, v.init()};
                      },
                      .reference = [](const A& x) {
                        return map1(x[0], [](double g) {
                          const double a = 0.95 * kA + 0.05 * g * g;
                          const double u = g * std::sqrt(kB + 1e-6) / std::sqrt(a + 1e-6);
                          const double d = 0.95 * kB + 0.05 * u * u;
                          return (kP - u) + 10.0 * d;
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "KerasAdamUpdate", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        const tf::DType t = in[0].dtype();
                        Vars v = make_vars(t, true);
                        return Built{tf::identity(tf::keras_adam_update(v.p.ref(), v.a.ref(), v.b.ref(), c(0.01, t), c(0.9, t), c(0.999, t), c(1e-7, t), in[0])), v.init()};
                      },
                      .reference = [](const A& x) {
                        return map1(x[0], [](double g) {
                          const double m = 0.9 * kA + 0.1 * g;
                          const double vv = 0.999 * kB + 0.001 * g * g;
                          return kP - 0.01 * m / (std::sqrt(vv) + 1e-7);
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "KerasAdamaxUpdate", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        const tf::DType t = in[0].dtype();
                        Vars v = make_vars(t, true);
                        return Built{tf::identity(tf::keras_adamax_update(v.p.ref(), v.a.ref(), v.b.ref(), c(0.02, t), c(0.9, t), c(0.999, t), c(1e-7, t), in[0])), v.init()};
                      },
                      .reference = [](const A& x) {
                        return map1(x[0], [](double g) {
                          const double m = 0.9 * kA + 0.1 * g;
                          const double u = std::max(0.999 * kB, std::abs(g));
                          return kP - 0.02 * m / (u + 1e-7);
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "KerasNadamUpdate", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        const tf::DType t = in[0].dtype();
                        Vars v = make_vars(t, true);
                        tf::NadamScalars s{c(0.02, t), c(0.9, t), c(0.999, t), c(1e-7, t), c(1.5, t), c(1.25, t), c(2.0, t), c(0.45, t), c(0.46, t)};
                        return Built{tf::identity(tf::keras_nadam_update(v.p.ref(), v.a.ref(), v.b.ref(), s, in[0])), v.init()};
                      },
                      .reference = [](const A& x) {
                        return map1(x[0], [](double g) {
                          const double m = 0.9 * kA + 0.1 * g;
                          const double vv = 0.999 * kB + 0.001 * g * g;
                          const double mbar = (1 - 0.45) * g * 1.5 + 0.46 * m * 1.25;
                          return kP - 0.02 * mbar / (std::sqrt(vv * 2.0) + 1e-7);
                        });
                      },
                      .check_gradient = false});

}  // namespace
}  // namespace conformance
