// Conformance cases: the sparse variable updates. The variable and slots are
// [4, 3] starting at known values; the fed [3, 3] values update rows 3, 1, 3
// (row 3 twice, in turn); rows 0 and 2 must come out unchanged. The output
// stacks the variable and its slots along axis 0.
#include <cmath>

#include "conformance.h"
#include "keraspp/ops/sparse_training_ops.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

const std::vector<int32_t> kRows = {3, 1, 3};

np::Array start(double base) {
  np::Array a = np::Array::empty({4, 3}, np::float64);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, base + 0.25 * static_cast<double>(i));
  return a;
}

std::vector<tf::Variable> variables(const std::vector<double>& bases, tf::DType t) {
  std::vector<tf::Variable> vars;
  for (double b : bases) vars.emplace_back(tf::constant(start(b), t));
  return vars;
}

tf::Tensor rows() { return tf::constant(np::Array::from_vector(kRows, {3})); }
tf::Tensor scalar(double v, const tf::Tensor& like) { return tf::constant(v, like.dtype()); }

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

// rule(g, state) turns {var, slots...} of one element into new values,
// applied for each (row, value) in order.
using Rule = std::function<std::vector<double>(double g, std::vector<double> s)>;
np::Array expected(const np::Array& values, const std::vector<double>& bases, const Rule& rule) {
  std::vector<np::Array> state;
  for (double b : bases) state.push_back(start(b));
  for (size_t i = 0; i < kRows.size(); ++i)
    for (int64_t j = 0; j < 3; ++j) {
      const int64_t at = kRows[i] * 3 + j;
      std::vector<double> s;
      for (const auto& a : state) s.push_back(a.get_flat(at));
      const std::vector<double> next = rule(values.get_flat(static_cast<int64_t>(i) * 3 + j), s);
      for (size_t k = 0; k < next.size(); ++k) state[k].set_flat(at, next[k]);
    }
  return np::concatenate(state, 0);
}

CONFORMANCE_CASE(Case{.op = "ScatterAdd", .input_shapes = {{3, 3}},
                      .build = [](const V& in) {
                        auto v = variables({1.0}, in[0].dtype());
                        return after(tf::scatter_add(v[0].ref(), rows(), in[0]), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], {1.0}, [](double g, auto s) { return std::vector<double>{s[0] + g}; });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "ScatterSub", .input_shapes = {{3, 3}},
                      .build = [](const V& in) {
                        auto v = variables({1.0}, in[0].dtype());
                        return after(tf::scatter_sub(v[0].ref(), rows(), in[0]), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], {1.0}, [](double g, auto s) { return std::vector<double>{s[0] - g}; });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "SparseApplyAdagrad", .input_shapes = {{3, 3}},
                      .build = [](const V& in) {
                        auto v = variables({1.0, 0.1}, in[0].dtype());
                        return after(tf::sparse_apply_adagrad(v[0].ref(), v[1].ref(), scalar(0.1, in[0]), in[0],
                                                              rows()), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], {1.0, 0.1}, [](double g, auto s) {
                          const double accum = s[1] + g * g;
                          return std::vector<double>{s[0] - 0.1 * g / std::sqrt(accum), accum};
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "SparseApplyMomentum", .input_shapes = {{3, 3}},
                      .build = [](const V& in) {
                        auto v = variables({1.0, -0.5}, in[0].dtype());
                        return after(tf::sparse_apply_momentum(v[0].ref(), v[1].ref(), scalar(0.1, in[0]), in[0],
                                                               rows(), scalar(0.9, in[0])), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], {1.0, -0.5}, [](double g, auto s) {
                          const double accum = s[1] * 0.9 + g;
                          return std::vector<double>{s[0] - 0.1 * accum, accum};
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "SparseApplyMomentum", .label = "nesterov", .input_shapes = {{3, 3}},
                      .build = [](const V& in) {
                        auto v = variables({1.0, -0.5}, in[0].dtype());
                        return after(tf::sparse_apply_momentum(v[0].ref(), v[1].ref(), scalar(0.1, in[0]), in[0],
                                                               rows(), scalar(0.9, in[0]), true), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], {1.0, -0.5}, [](double g, auto s) {
                          const double accum = s[1] * 0.9 + g;
                          return std::vector<double>{s[0] - (g * 0.1 + accum * 0.9 * 0.1), accum};
                        });
                      },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "SparseApplyRMSProp", .input_shapes = {{3, 3}},
                      .build = [](const V& in) {
                        auto v = variables({1.0, 0.5, 0.2}, in[0].dtype());
                        return after(tf::sparse_apply_rms_prop(v[0].ref(), v[1].ref(), v[2].ref(), scalar(0.01, in[0]),
                                                               scalar(0.9, in[0]), scalar(0.5, in[0]),
                                                               scalar(1e-6, in[0]), in[0], rows()), v);
                      },
                      .reference = [](const A& x) {
                        return expected(x[0], {1.0, 0.5, 0.2}, [](double g, auto s) {
                          const double ms = s[1] + (g * g - s[1]) * (1 - 0.9);
                          const double mom = s[2] * 0.5 + 0.01 * g / std::sqrt(ms + 1e-6);
                          return std::vector<double>{s[0] - mom, ms, mom};
                        });
                      },
                      .check_gradient = false});

}  // namespace
}  // namespace conformance
