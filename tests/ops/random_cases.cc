// Conformance cases for the random ops. Random values have no plain
// reference, so each case turns seeded samples into a deterministic verdict:
// out = x + [range, moments and shape all as expected] (1 or 0), compared
// against x + 1; x carries the harness's forward/gradient checks through.
// Stream layout, reproducibility and thread independence are tested in
// random_ops_test.cc.
#include "conformance.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

tf::Tensor all(const tf::Tensor& b) {
  return tf::equal(tf::reduce_mean(tf::cast(b, tf::float64)), 1.0);
}
tf::Tensor near(const tf::Tensor& v, double target, double tol) {
  return tf::less(tf::abs(v - target), tol);
}
tf::Tensor mean(const tf::Tensor& v) { return tf::reduce_mean(v); }
tf::Tensor stddev(const tf::Tensor& v) { return tf::sqrt(tf::reduce_mean(tf::square(v - tf::reduce_mean(v)))); }
tf::Tensor min(const tf::Tensor& v) { return -tf::reduce_max(-v); }
tf::Tensor both(const tf::Tensor& a, const tf::Tensor& b) { return tf::logical_and(a, b); }

// A sample the size of x (dynamic shape) must come out with x's shape.
tf::Tensor same_shape(const tf::Tensor& sample, const tf::Tensor& x) {
  return all(tf::equal(tf::shape(sample), tf::shape(x)));
}

Built verdict(const tf::Tensor& x, const tf::Tensor& ok) { return Built{x + tf::cast(ok, x.dtype())}; }

A plus_one(const A& x) { return {x[0] + 1.0}; }

CONFORMANCE_CASE(Case{
    .op = "RandomUniform", .input_shapes = {{3, 4}},
    .build = [](const V& in) {
      const tf::DType t = in[0].dtype();
      const tf::Tensor u = tf::random_uniform({20000}, {.minval = -1.0, .maxval = 3.0, .dtype = t, .seed = 7});
      const tf::Tensor d = tf::random_uniform(tf::shape(in[0]), {.dtype = t, .seed = 8});
      // U(-1, 3): mean 1, stddev 4/sqrt(12) = 1.1547.
      tf::Tensor ok = both(tf::greater_equal(min(u), -1.0), tf::less(tf::reduce_max(u), 3.0));
      ok = both(ok, both(near(mean(u), 1.0, 0.05), near(stddev(u), 1.1547, 0.03)));
      ok = both(ok, both(tf::greater_equal(min(d), 0.0), tf::less(tf::reduce_max(d), 1.0)));
      return verdict(in[0], both(ok, same_shape(d, in[0])));
    },
    .reference = [](const A& x) { return plus_one(x)[0]; }});

CONFORMANCE_CASE(Case{
    .op = "RandomStandardNormal", .input_shapes = {{3, 4}},
    .build = [](const V& in) {
      const tf::DType t = in[0].dtype();
      const tf::Tensor z = tf::random_normal({20000}, {.mean = 2.0, .stddev = 3.0, .dtype = t, .seed = 9});
      const tf::Tensor d = tf::random_normal(tf::shape(in[0]), {.dtype = t, .seed = 10});
      tf::Tensor ok = both(near(mean(z), 2.0, 0.1), near(stddev(z), 3.0, 0.1));
      // Not truncated: about 54 of 20000 lie beyond 3 stddev.
      ok = both(ok, tf::greater(tf::reduce_max(tf::abs(z - 2.0)), 9.0));
      return verdict(in[0], both(ok, same_shape(d, in[0])));
    },
    .reference = [](const A& x) { return plus_one(x)[0]; }});

CONFORMANCE_CASE(Case{
    .op = "TruncatedNormal", .input_shapes = {{3, 4}},
    .build = [](const V& in) {
      const tf::DType t = in[0].dtype();
      const tf::Tensor z = tf::truncated_normal({20000}, {.mean = 1.0, .stddev = 0.5, .dtype = t, .seed = 11});
      const tf::Tensor d = tf::truncated_normal(tf::shape(in[0]), {.dtype = t, .seed = 12});
      // Within 2 stddev of the mean; a normal truncated at +-2 has stddev 0.87963.
      tf::Tensor ok = both(tf::less(tf::reduce_max(tf::abs(z - 1.0)), 1.0), near(mean(z), 1.0, 0.02));
      ok = both(ok, near(stddev(z), 0.5 * 0.87963, 0.01));
      ok = both(ok, tf::greater(tf::reduce_max(tf::abs(z - 1.0)), 0.95));  // reaches the bounds
      return verdict(in[0], both(ok, same_shape(d, in[0])));
    },
    .reference = [](const A& x) { return plus_one(x)[0]; }});

}  // namespace
}  // namespace conformance
