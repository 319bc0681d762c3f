// Runs every conformance case: forward vs reference, gradient vs finite
// differences; and checks that every registered op has a case.
#include "conformance.h"

#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/graph/op_registry.h"
#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"
#include "keraspp/np/philox.h"

namespace conformance {

std::map<std::string, std::vector<Case>>& registry() {
  static std::map<std::string, std::vector<Case>> r;
  return r;
}
std::map<std::string, std::string>& exempt() {
  static std::map<std::string, std::string> e;
  return e;
}

np::Array map1(const np::Array& a, const std::function<double(double)>& f) {
  np::Array out = np::Array::empty(a.shape(), np::float64);
  for (int64_t i = 0; i < a.size(); ++i) out.set_flat(i, f(a.get_flat(i)));
  return out;
}

np::Array map2(const np::Array& a, const np::Array& b, const std::function<double(double, double)>& f) {
  np::Array out = np::Array::empty(np::broadcast_shapes(a.shape(), b.shape()), np::float64);
  np::binary_loop<double, double, double>(a.astype(np::float64), b.astype(np::float64), out, f);
  return out;
}

namespace {

std::vector<np::Array> make_inputs(const Case& c, uint64_t seed) {
  if (c.inputs) return c.inputs();
  np::random::Philox4x32 rng(seed, 7);
  std::vector<np::Array> v;
  for (const auto& s : c.input_shapes) {
    np::Array a = np::Array::empty(s, np::float64);
    for (int64_t i = 0; i < a.size(); ++i) {
      auto b = rng.next();
      a.set_flat(i, c.low + (c.high - c.low) * np::random::Philox4x32::to_double(b[0], b[1]));
    }
    v.push_back(a);
  }
  return v;
}

struct Graphed {
  tf::Graph g;
  std::vector<tf::Tensor> in;
  Built built;
};

Graphed build(const Case& c, const std::vector<np::Array>& inputs, np::DType t) {
  Graphed r;
  auto guard = r.g.as_default();
  for (const auto& a : inputs)
    r.in.push_back(tf::placeholder(np::is_floating(a.dtype()) ? t : a.dtype(), tf::TensorShape(a.shape())));
  r.built = c.build(r.in);
  return r;
}

np::Array run(Graphed& gr, const std::vector<np::Array>& inputs, np::DType t) {
  tf::Session s(gr.g);
  for (const auto& op : gr.built.setup) s.run(op);
  tf::FeedDict feeds;
  for (size_t i = 0; i < inputs.size(); ++i)
    feeds.emplace_back(gr.in[i], np::is_floating(inputs[i].dtype()) ? inputs[i].astype(t) : inputs[i]);
  return s.run(gr.built.out, feeds);
}

void expect_close(const np::Array& got, const np::Array& want, double tol, const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what << ": shape " << np::shape_str(got.shape())
                                       << " vs reference " << np::shape_str(want.shape());
  for (int64_t i = 0; i < got.size(); ++i) {
    const double g = got.get_flat(i), w = want.get_flat(i);
    ASSERT_NEAR(g, w, tol * (1 + std::abs(w))) << what << " element " << i;
  }
}

class OpConformance : public ::testing::TestWithParam<std::pair<std::string, size_t>> {};

TEST_P(OpConformance, ForwardAndGradient) {
  const Case& c = registry().at(GetParam().first).at(GetParam().second);
  const auto inputs = make_inputs(c, 1000 + GetParam().second);
  const np::Array want = c.reference(inputs);

  Graphed g64 = build(c, inputs, np::float64);
  expect_close(run(g64, inputs, np::float64), want, 1e-9, "float64 forward");
  if (c.check_float32) {
    Graphed g32 = build(c, inputs, np::float32);
    expect_close(run(g32, inputs, np::float32).astype(np::float64), want, 2e-4, "float32 forward");
  }
  if (!c.check_gradient) return;

  // Analytic gradient of L = sum(out * w), w fixed random weights.
  np::random::Philox4x32 rng(99, 3);
  const np::Array out0 = run(g64, inputs, np::float64);
  np::Array w = np::Array::empty(out0.shape(), np::float64);
  for (int64_t i = 0; i < w.size(); ++i) {
    auto b = rng.next();
    w.set_flat(i, 0.5 + np::random::Philox4x32::to_double(b[0], b[1]));
  }
  std::vector<np::Array> analytic;
  std::vector<size_t> float_inputs;
  {
    auto guard = g64.g.as_default();
    tf::Tensor loss = tf::reduce_sum(tf::multiply(g64.built.out, tf::constant(w)));
    std::vector<tf::Tensor> xs;
    for (size_t i = 0; i < g64.in.size(); ++i)
      if (np::is_floating(inputs[i].dtype())) {
        xs.push_back(g64.in[i]);
        float_inputs.push_back(i);
      }
    auto grads = tf::gradients(loss, xs);
    tf::Session s(g64.g);
    for (const auto& op : g64.built.setup) s.run(op);
    tf::FeedDict feeds;
    for (size_t i = 0; i < inputs.size(); ++i) feeds.emplace_back(g64.in[i], inputs[i]);
    // No gradient (TF's None) must mean a zero numeric gradient: shape-only
    // inputs like BroadcastTo's target.
    for (size_t k = 0; k < grads.size(); ++k)
      analytic.push_back(grads[k] ? s.run(grads[k], feeds)
                                  : np::zeros(inputs[float_inputs[k]].shape(), np::float64));
    for (size_t k = 0; k < grads.size(); ++k)
      if (grads[k]) ASSERT_EQ(analytic[k].shape(), inputs[float_inputs[k]].shape())
                        << "gradient shape of input " << float_inputs[k];
  }
  // Central differences.
  auto loss_at = [&](const std::vector<np::Array>& in) {
    const np::Array o = run(g64, in, np::float64);
    double l = 0;
    for (int64_t i = 0; i < o.size(); ++i) l += o.get_flat(i) * w.get_flat(i);
    return l;
  };
  const double eps = 1e-6;
  for (size_t k = 0; k < float_inputs.size(); ++k) {
    const size_t idx = float_inputs[k];
    for (int64_t e = 0; e < inputs[idx].size(); ++e) {
      std::vector<np::Array> plus, minus;
      for (const auto& a : inputs) { plus.push_back(a.copy()); minus.push_back(a.copy()); }
      plus[idx].set_flat(e, inputs[idx].get_flat(e) + eps);
      minus[idx].set_flat(e, inputs[idx].get_flat(e) - eps);
      const double numeric = (loss_at(plus) - loss_at(minus)) / (2 * eps);
      const double got = analytic[k].get_flat(e);
      ASSERT_NEAR(got, numeric, 1e-5 * (1 + std::abs(numeric)))
          << "gradient of input " << idx << " element " << e;
    }
  }
}

std::vector<std::pair<std::string, size_t>> all_cases() {
  std::vector<std::pair<std::string, size_t>> v;
  for (const auto& [op, cases] : registry())
    for (size_t i = 0; i < cases.size(); ++i) v.emplace_back(op, i);
  return v;
}

std::string case_name(const ::testing::TestParamInfo<std::pair<std::string, size_t>>& info) {
  const Case& c = registry().at(info.param.first).at(info.param.second);
  std::string n = c.op + "_" + (c.label.empty() ? std::to_string(info.param.second) : c.label);
  for (char& ch : n)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(AllOps, OpConformance, ::testing::ValuesIn(all_cases()), case_name);

TEST(ConformanceCoverage, EveryRegisteredOpHasACase) {
  std::vector<std::string> missing;
  for (const auto& name : tf::OpRegistry::global().names())
    if (!registry().count(name) && !exempt().count(name) &&
        !tf::OpRegistry::global().lookup(name).plan_only)  // fused cases cover these
      missing.push_back(name);
  std::string list;
  for (const auto& m : missing) list += m + " ";
  EXPECT_TRUE(missing.empty()) << "ops without a conformance case: " << list;
}

TEST(ConformanceCoverage, EveryRegisteredOpHasACpuKernel) {
  for (const auto& name : tf::OpRegistry::global().names())
    EXPECT_TRUE(tf::kernels::KernelRegistry::global().has_any(name)) << name << " has no kernel";
}

}  // namespace
}  // namespace conformance
