// The op conformance harness. Every registered op type must have at least one
// case here (tests/ops/*_cases.cc); each case is checked
//  - forward, in float64 and float32, against a plain reference, and
//  - (when differentiable) gradient of sum(out * w) for random w against
//    central finite differences in float64.
// An op with no case fails ConformanceCoverage.EveryRegisteredOpHasACase.
// Plan-only ops (fused steps, never in a graph) have fused cases instead
// (FusedCase below); one without fails
// ConformanceCoverage.EveryPlanOnlyOpHasAFusedCase.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "keraspp/tf.h"

namespace conformance {

struct Built {
  tf::Tensor out;
  std::vector<tf::Operation> setup;  // run once before evaluating (e.g. initializers)
};

struct Case {
  std::string op;                       // the registered op type this case covers
  std::string label;                    // distinguishes cases of one op
  std::vector<np::Shape> input_shapes;  // one float placeholder per shape
  // Builds the op from placeholders of the case's dtype.
  std::function<Built(const std::vector<tf::Tensor>&)> build;
  // Plain reference on float64 inputs; returns the expected output.
  std::function<np::Array(const std::vector<np::Array>&)> reference;
  double low = -2.0, high = 2.0;        // input value range
  bool check_gradient = true;
  bool check_float32 = true;
  // Inputs fed as-is instead of random values (e.g. tie-free or integer data).
  std::function<std::vector<np::Array>()> inputs = nullptr;
};

std::map<std::string, std::vector<Case>>& registry();
// Ops that cannot have a forward/gradient case, with the reason.
std::map<std::string, std::string>& exempt();

struct Registrar {
  explicit Registrar(Case c) { registry()[c.op].push_back(std::move(c)); }
};
#define CONFORMANCE_CONCAT_INNER(a, b) a##b
#define CONFORMANCE_CONCAT(a, b) CONFORMANCE_CONCAT_INNER(a, b)
#define CONFORMANCE_CASE(...) \
  static ::conformance::Registrar CONFORMANCE_CONCAT(conformance_case_, __COUNTER__)(__VA_ARGS__)

// A plan-only op's case (fuse.h): the ops the plan fuses into it, built in
// the default graph. The harness runs them with optimize_plans on and off,
// checks the fused op ran (and the unfused plan did not run it), and
// compares every fetch: bit for bit, or within `tolerance` (relative) where
// the fused kernel may round differently (a gradient product's sums are
// sgemm's).
struct FusedBuilt {
  std::vector<tf::Tensor> fetches;
  std::vector<tf::Operation> targets;  // run (twice) before the fetches are compared
  tf::FeedDict feeds;
  std::vector<tf::Operation> setup;    // run once per session (initializers)
};
struct FusedCase {
  std::string op;  // the plan-only op this case covers
  std::string label;
  std::function<FusedBuilt(np::DType)> build;
  std::vector<np::DType> dtypes = {np::float32};
  double tolerance = 0;  // 0: bit for bit
};

std::vector<FusedCase>& fused_registry();
struct FusedRegistrar {
  explicit FusedRegistrar(FusedCase c) { fused_registry().push_back(std::move(c)); }
};
#define CONFORMANCE_FUSED_CASE(...) \
  static ::conformance::FusedRegistrar CONFORMANCE_CONCAT(conformance_fused_case_, __COUNTER__)(__VA_ARGS__)

// Reference helpers: elementwise map over float64 arrays.
np::Array map1(const np::Array& a, const std::function<double(double)>& f);
np::Array map2(const np::Array& a, const np::Array& b, const std::function<double(double, double)>& f);

}  // namespace conformance
