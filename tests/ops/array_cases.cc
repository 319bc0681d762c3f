// Conformance cases: array, shape, reduction and state ops.
#include <cmath>

#include "conformance.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

np::Array same(const A& x) { return x[0].astype(np::float64); }

CONFORMANCE_CASE(Case{.op = "Identity", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::identity(in[0])}; },
                      .reference = same});
CONFORMANCE_CASE(Case{.op = "Placeholder", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{in[0]}; },
                      .reference = same});
CONFORMANCE_CASE(Case{.op = "PlaceholderWithDefault", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        return Built{tf::placeholder_with_default(in[0], tf::TensorShape({2, 3})) * 1.0};
                      },
                      .reference = same});
// StopGradient: forward identity; its gradient is checked to be blocked in
// tests/autodiff, so here x*stop(x) must have gradient stop(x) only.
CONFORMANCE_CASE(Case{.op = "StopGradient", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::stop_gradient(in[0])}; },
                      .reference = same, .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "Const", .input_shapes = {{2}},
                      .build = [](const V& in) {
                        return Built{in[0] + tf::constant(np::Array({1.f, 2.f}), in[0].dtype())};
                      },
                      .reference = [](const A& x) { return map1(x[0], [](double v) { return v; }) + np::Array({1.f, 2.f}).astype(np::float64); }});
CONFORMANCE_CASE(Case{.op = "NoOp", .input_shapes = {{2}},
                      .build = [](const V& in) {
                        tf::Operation n = tf::no_op();
                        tf::control_dependencies d({n});
                        return Built{tf::identity(in[0])};
                      },
                      .reference = same});
CONFORMANCE_CASE(Case{.op = "Shape", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::shape(in[0])}; },
                      .reference = [](const A&) { return np::Array({2.f, 3.f}).astype(np::float64); },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "Size", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::size(in[0])}; },
                      .reference = [](const A&) { return np::Array::scalar(6.0); },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "Reshape", .input_shapes = {{2, 6}},
                      .build = [](const V& in) { return Built{tf::reshape(in[0], std::vector<int64_t>{3, -1})}; },
                      .reference = [](const A& x) { return x[0].reshape({3, 4}); }});
CONFORMANCE_CASE(Case{.op = "Fill", .input_shapes = {{}},
                      .build = [](const V& in) {
                        return Built{tf::fill(tf::constant(np::Array({2.f, 3.f}), tf::int32), in[0])};
                      },
                      .reference = [](const A& x) { return np::full({2, 3}, x[0].item<double>(), np::float64); }});
CONFORMANCE_CASE(Case{.op = "ZerosLike", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::zeros_like(in[0])}; },
                      .reference = [](const A&) { return np::zeros({2, 3}, np::float64); },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "OnesLike", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::ones_like(in[0])}; },
                      .reference = [](const A&) { return np::ones({2, 3}, np::float64); },
                      .check_gradient = false});
// Cast to int truncates toward zero; Cast between floats carries gradients.
CONFORMANCE_CASE(Case{.op = "Cast", .label = "to_int", .input_shapes = {{2, 3}},
                      .build = [](const V& in) { return Built{tf::cast(tf::cast(in[0], tf::int32), in[0].dtype())}; },
                      .reference = [](const A& x) { return map1(x[0], [](double v) { return std::trunc(v); }); },
                      .low = -5, .high = 5, .check_gradient = false});
// Dyadic inputs survive the float32 round trip exactly. A finite-difference
// step cannot cross a float32 cast, so Cast's gradient is checked in
// tests/autodiff instead.
CONFORMANCE_CASE(Case{.op = "Cast", .label = "float", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        const tf::DType other = in[0].dtype() == tf::float32 ? tf::float64 : tf::float32;
                        return Built{tf::cast(tf::cast(in[0], other) * 2.0, in[0].dtype())};
                      },
                      .reference = [](const A& x) { return map1(x[0], [](double v) { return 2 * v; }); },
                      .check_gradient = false,
                      .inputs = [] { return A{np::arange(-3, 3, 1, np::float64).reshape({2, 3}) / 8.0}; }});
CONFORMANCE_CASE(Case{.op = "SumToShape", .input_shapes = {{2, 3, 4}, {3, 1}},
                      .build = [](const V& in) { return Built{tf::sum_to_shape(in[0], tf::shape(in[1]))}; },
                      .reference = [](const A& x) {
                        np::Array out = np::zeros({3, 1}, np::float64);
                        for (int a = 0; a < 2; ++a)
                          for (int b = 0; b < 3; ++b)
                            for (int c = 0; c < 4; ++c) out.at<double>(b, 0) += x[0].at<double>(a, b, c);
                        return out;
                      }});
CONFORMANCE_CASE(Case{.op = "SumToShape", .label = "bias", .input_shapes = {{5, 3}, {3}},
                      .build = [](const V& in) { return Built{tf::sum_to_shape(in[0], tf::shape(in[1]))}; },
                      .reference = [](const A& x) { return np::sum(x[0], 0); }});
CONFORMANCE_CASE(Case{.op = "BroadcastTo", .input_shapes = {{3, 1}, {2, 3, 4}},
                      .build = [](const V& in) { return Built{tf::broadcast_to(in[0], tf::shape(in[1]))}; },
                      .reference = [](const A& x) { return map2(x[0], np::zeros({2, 3, 4}, np::float64), [](double a, double) { return a; }); }});
CONFORMANCE_CASE(Case{.op = "Select", .input_shapes = {{3, 4}, {3, 4}, {3, 4}},
                      .build = [](const V& in) { return Built{tf::where(tf::greater(in[0], 0.0), in[1], in[2])}; },
                      .reference = [](const A& x) {
                        np::Array o = np::Array::empty({3, 4}, np::float64);
                        for (int i = 0; i < 12; ++i) o.set_flat(i, x[0].get_flat(i) > 0 ? x[1].get_flat(i) : x[2].get_flat(i));
                        return o;
                      }});
CONFORMANCE_CASE(Case{.op = "ConcatV2", .input_shapes = {{2, 3}, {2, 1}, {2, 2}},
                      .build = [](const V& in) { return Built{tf::concat(in, 1)}; },
                      .reference = [](const A& x) { return np::concatenate(x, 1); }});
CONFORMANCE_CASE(Case{.op = "ConcatV2", .label = "axis0", .input_shapes = {{1, 3}, {2, 3}},
                      .build = [](const V& in) { return Built{tf::concat(in, 0)}; },
                      .reference = [](const A& x) { return np::concatenate(x, 0); }});
// ConcatGrad is ConcatV2's gradient; its forward is checked through it.
CONFORMANCE_CASE(Case{.op = "ConcatGrad", .input_shapes = {{2, 3}, {2, 2}},
                      .build = [](const V& in) {
                        tf::Tensor c = tf::concat(in, 1);
                        return Built{tf::gradients(tf::reduce_sum(tf::square(c)), {in[1]})[0]};
                      },
                      .reference = [](const A& x) { return x[1] * 2.0; },
                      .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "AddN", .input_shapes = {{2, 3}, {2, 3}, {2, 3}},
                      .build = [](const V& in) { return Built{tf::add_n(in)}; },
                      .reference = [](const A& x) { return x[0] + x[1] + x[2]; }});

Case reduction(const std::string& op, tf::Tensor (*f)(const tf::Tensor&, const tf::Axes&, const tf::ReduceOptions&),
               tf::Axes axes, bool keep, np::Array (*ref)(const np::Array&, int, bool)) {
  std::string label = axes.all() ? "axes" : "axes_";
  for (int a : axes.list()) label += std::to_string(a + 3);
  label += keep ? "_keep" : "";
  return Case{.op = op, .label = label, .input_shapes = {{2, 3, 4}},
              .build = [=](const V& in) { return Built{f(in[0], axes, {.keepdims = keep})}; },
              .reference = [=](const A& x) {
                if (axes.all()) {
                  np::Array r = ref(x[0], np::kNoAxis, false);
                  return keep ? r.reshape({1, 1, 1}) : r;
                }
                // An empty list reduces nothing (TF): x itself.
                np::Array r = x[0];
                std::vector<int> sorted = axes.list();
                for (int& a : sorted) a = a < 0 ? a + 3 : a;
                std::sort(sorted.rbegin(), sorted.rend());
                for (int a : sorted) r = ref(r, a, true);
                if (!keep) {
                  np::Shape s;
                  for (int i = 0; i < 3; ++i)
                    if (std::find(sorted.begin(), sorted.end(), i) == sorted.end()) s.push_back(r.shape(i));
                  r = r.reshape(s);
                }
                return r;
              }};
}
np::Array np_sum(const np::Array& a, int axis, bool keep) { return np::sum(a, axis, keep); }
np::Array np_mean(const np::Array& a, int axis, bool keep) { return np::mean(a, axis, keep); }
np::Array np_max(const np::Array& a, int axis, bool keep) { return np::max(a, axis, keep); }
CONFORMANCE_CASE(reduction("Sum", tf::reduce_sum, tf::all_axes, false, np_sum));
CONFORMANCE_CASE(reduction("Sum", tf::reduce_sum, {1}, false, np_sum));
CONFORMANCE_CASE(reduction("Sum", tf::reduce_sum, {0, 2}, true, np_sum));
CONFORMANCE_CASE(reduction("Sum", tf::reduce_sum, {}, false, np_sum));
CONFORMANCE_CASE(reduction("Mean", tf::reduce_mean, tf::all_axes, false, np_mean));
CONFORMANCE_CASE(reduction("Mean", tf::reduce_mean, {-1}, true, np_mean));
CONFORMANCE_CASE(reduction("Mean", tf::reduce_mean, {}, true, np_mean));
CONFORMANCE_CASE(reduction("Max", tf::reduce_max, {1}, false, np_max));
CONFORMANCE_CASE(reduction("Max", tf::reduce_max, tf::all_axes, false, np_max));
CONFORMANCE_CASE(reduction("Max", tf::reduce_max, {}, false, np_max));
// BroadcastReduced is the reductions' gradient; exercised via their checks
// and here directly through Sum's gradient.
CONFORMANCE_CASE(Case{.op = "BroadcastReduced", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        return Built{tf::gradients(tf::reduce_sum(in[0], 1), {in[0]})[0] * in[0]};
                      },
                      .reference = same});
CONFORMANCE_CASE(Case{.op = "ArgMax", .input_shapes = {{3, 4}},
                      .build = [](const V& in) { return Built{tf::argmax(in[0], 1)}; },
                      .reference = [](const A& x) { return np::argmax(x[0], 1).astype(np::float64); },
                      .check_gradient = false});

// State ops: a variable initialised from the input, then updated.
CONFORMANCE_CASE(Case{.op = "VariableV2", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        tf::Variable v(tf::zeros({2, 3}, in[0].dtype()));
                        return Built{v.value() + in[0], {v.initializer()}};
                      },
                      .reference = same});
CONFORMANCE_CASE(Case{.op = "Assign", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        tf::Variable v(tf::zeros({2, 3}, in[0].dtype()));
                        return Built{v.assign(in[0] * 2.0), {v.initializer()}};
                      },
                      .reference = [](const A& x) { return x[0] * 2.0; }, .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "AssignAdd", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        tf::Variable v(tf::ones({2, 3}, in[0].dtype()));
                        return Built{tf::identity(v.assign_add(in[0])), {v.initializer()}};
                      },
                      .reference = [](const A& x) { return x[0] + 1.0; }, .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "AssignSub", .input_shapes = {{2, 3}},
                      .build = [](const V& in) {
                        tf::Variable v(tf::ones({2, 3}, in[0].dtype()));
                        return Built{tf::identity(v.assign_sub(in[0])), {v.initializer()}};
                      },
                      .reference = [](const A& x) { return 1.0 - x[0]; }, .check_gradient = false});
CONFORMANCE_CASE(Case{.op = "IsVariableInitialized", .input_shapes = {{1}},
                      .build = [](const V& in) {
                        tf::Variable v(tf::ones({1}, in[0].dtype()));
                        return Built{tf::cast(tf::is_variable_initialized(v.ref()), in[0].dtype()) + in[0] * 0.0,
                                     {v.initializer()}};
                      },
                      .reference = [](const A&) { return np::ones({1}, np::float64); },
                      .check_gradient = false});

}  // namespace
}  // namespace conformance
