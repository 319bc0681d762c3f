// Conformance cases: the fused optimizer updates (training ops). Each case
// starts the variable and its slots at known values, applies one update with
// the fed gradient, and compares the new variable and slots (stacked along
// axis 0) with the update rule computed in double. No gradients flow.
#include <cmath>

#include "conformance.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

// Known starting values: base, base + 0.25, ... shaped [2, 3].
np::Array start(double base) {
  np::Array a = np::Array::empty({2, 3}, np::float64);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, base + 0.25 * static_cast<double>(i));
  return a;
}

// Variables (var first, then slots) starting at `bases`, in the case's dtype.
std::vector<tf::Variable> variables(const std::vector<double>& bases, tf::DType t) {
  std::vector<tf::Variable> vars;
  for (double b : bases) vars.emplace_back(tf::constant(start(b), t));
  return vars;
}

tf::Tensor scalar(double v, const tf::Tensor& like) { return tf::constant(v, like.dtype()); }

// The variables' values after `update` ran: [num_vars * 2, 3].
Built after(const tf::Tensor& update, const std::vector<tf::Variable>& vars) {
  Built b;
  std::vector<tf::Tensor> parts;
  {
    tf::control_dependencies deps({update.op()});
    for (const auto& v : vars) parts.push_back(tf::identity(v.ref()));
  }
  b.out = tf::concat(parts, 0);
  for (const auto& v : vars) b.setup.push_back(v.initializer());
  return b;
}

// One update in double: rule(g, state) turns {var, slots...} into new values.
using Rule = std::function<std::vector<double>(double g, std::vector<double> s)>;
np::Array expected(const np::Array& grad, const std::vector<double>& bases, const Rule& rule) {
  const int64_t n = grad.size();
  np::Array out = np::Array::empty({static_cast<int64_t>(bases.size()) * 2, 3}, np::float64);
  for (int64_t i = 0; i < n; ++i) {
    std::vector<double> s;
    for (double b : bases) s.push_back(start(b).get_flat(i));
    const std::vector<double> next = rule(grad.get_flat(i), s);
    for (size_t k = 0; k < next.size(); ++k) out.set_flat(static_cast<int64_t>(k) * n + i, next[k]);
  }
  return out;
}

CONFORMANCE_CASE(Case{.op = "ApplyGradientDescent", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        tf::Variable v(tf::ones({2, 3}, in[0].dtype()));
                        return Built{tf::identity(tf::apply_gradient_descent(v.ref(), tf::constant(0.5, in[0].dtype()), in[0])),
                                     {v.initializer()}};
                      },
                      .reference = [](const A& x) { return 1.0 - x[0] * 0.5; }, .check_gradient = false});

const std::vector<double> kMomentumStart = {1.0, -0.5};
CONFORMANCE_CASE(Case{.op = "ApplyMomentum", .label = "plain", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        auto v = variables(kMomentumStart, in[0].dtype());
                        return after(tf::apply_momentum(v[0].ref(), v[1].ref(), scalar(0.1, in[0]), in[0],
                                                        scalar(0.9, in[0])), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], kMomentumStart, [](double g, std::vector<double> s) {
                          const double accum = s[1] * 0.9 + g;
                          return std::vector<double>{s[0] - 0.1 * accum, accum};
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "ApplyMomentum", .label = "nesterov", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        auto v = variables(kMomentumStart, in[0].dtype());
                        return after(tf::apply_momentum(v[0].ref(), v[1].ref(), scalar(0.1, in[0]), in[0],
                                                        scalar(0.9, in[0]), /*use_nesterov=*/true), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], kMomentumStart, [](double g, std::vector<double> s) {
                          const double accum = s[1] * 0.9 + g;
                          return std::vector<double>{s[0] - (0.1 * g + 0.1 * 0.9 * accum), accum};
                        });
                      },
                      .check_gradient = false});

const std::vector<double> kAdagradStart = {1.0, 0.1};
CONFORMANCE_CASE(Case{.op = "ApplyAdagrad", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        auto v = variables(kAdagradStart, in[0].dtype());
                        return after(tf::apply_adagrad(v[0].ref(), v[1].ref(), scalar(0.2, in[0]), in[0]), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], kAdagradStart, [](double g, std::vector<double> s) {
                          const double accum = s[1] + g * g;
                          return std::vector<double>{s[0] - 0.2 * g / std::sqrt(accum), accum};
                        });
                      },
                      .check_gradient = false});

// As after two earlier steps: beta powers 0.9^2, 0.999^2.
const std::vector<double> kAdamStart = {1.0, 0.2, 0.5};
CONFORMANCE_CASE(Case{.op = "ApplyAdam", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        auto v = variables(kAdamStart, in[0].dtype());
                        const tf::Tensor& g = in[0];
                        return after(tf::apply_adam(v[0].ref(), v[1].ref(), v[2].ref(), scalar(0.81, g),
                                                    scalar(0.998001, g), scalar(0.01, g), scalar(0.9, g),
                                                    scalar(0.999, g), scalar(1e-8, g), g), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], kAdamStart, [](double g, std::vector<double> s) {
                          const double lr_t = 0.01 * std::sqrt(1 - 0.998001) / (1 - 0.81);
                          const double m = s[1] + (g - s[1]) * (1 - 0.9);
                          const double v = s[2] + (g * g - s[2]) * (1 - 0.999);
                          return std::vector<double>{s[0] - lr_t * m / (std::sqrt(v) + 1e-8), m, v};
                        });
                      },
                      .check_gradient = false});

const std::vector<double> kRMSPropStart = {1.0, 1.0, 0.1};
CONFORMANCE_CASE(Case{.op = "ApplyRMSProp", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        auto v = variables(kRMSPropStart, in[0].dtype());
                        const tf::Tensor& g = in[0];
                        return after(tf::apply_rms_prop(v[0].ref(), v[1].ref(), v[2].ref(), scalar(0.01, g),
                                                        scalar(0.9, g), scalar(0.5, g), scalar(1e-10, g), g), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], kRMSPropStart, [](double g, std::vector<double> s) {
                          const double ms = s[1] + (g * g - s[1]) * (1 - 0.9);
                          const double mom = s[2] * 0.5 + 0.01 * g / std::sqrt(ms + 1e-10);
                          return std::vector<double>{s[0] - mom, ms, mom};
                        });
                      },
                      .check_gradient = false});

// mg^2 stays below ms so the centered variance is positive.
const std::vector<double> kCenteredStart = {1.0, 0.1, 1.0, 0.1};
CONFORMANCE_CASE(Case{.op = "ApplyCenteredRMSProp", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        auto v = variables(kCenteredStart, in[0].dtype());
                        const tf::Tensor& g = in[0];
                        return after(tf::apply_centered_rms_prop(v[0].ref(), v[1].ref(), v[2].ref(), v[3].ref(),
                                                                 scalar(0.01, g), scalar(0.9, g), scalar(0.5, g),
                                                                 scalar(1e-10, g), g), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], kCenteredStart, [](double g, std::vector<double> s) {
                          const double mg = s[1] + (g - s[1]) * (1 - 0.9);
                          const double ms = s[2] + (g * g - s[2]) * (1 - 0.9);
                          const double mom = s[3] * 0.5 + 0.01 * g / std::sqrt(ms - mg * mg + 1e-10);
                          return std::vector<double>{s[0] - mom, mg, ms, mom};
                        });
                      },
                      .check_gradient = false});

const std::vector<double> kAdadeltaStart = {1.0, 0.3, 0.2};
CONFORMANCE_CASE(Case{.op = "ApplyAdadelta", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        auto v = variables(kAdadeltaStart, in[0].dtype());
                        const tf::Tensor& g = in[0];
                        return after(tf::apply_adadelta(v[0].ref(), v[1].ref(), v[2].ref(), scalar(1.0, g),
                                                        scalar(0.95, g), scalar(1e-6, g), g), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], kAdadeltaStart, [](double g, std::vector<double> s) {
                          const double accum = s[1] * 0.95 + g * g * (1 - 0.95);
                          const double update = std::sqrt(s[2] + 1e-6) / std::sqrt(accum + 1e-6) * g;
                          const double accum_update = s[2] * 0.95 + update * update * (1 - 0.95);
                          return std::vector<double>{s[0] - 1.0 * update, accum, accum_update};
                        });
                      },
                      .check_gradient = false});

}  // namespace
}  // namespace conformance
