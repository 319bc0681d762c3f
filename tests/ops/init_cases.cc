// Conformance cases: Qr (the orthogonal initializer's decomposition). The
// reference is modified Gram-Schmidt, a different algorithm that yields the
// same unique factorisation (R's diagonal positive) for full-rank input.
#include <cmath>

#include "conformance.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;

// a: [..., m, n] float64 -> q [..., m, k] or r [..., k, n], k = min(m, n).
np::Array gram_schmidt(const np::Array& a, bool want_q) {
  const int nd = a.ndim();
  const int64_t m = a.shape(nd - 2), n = a.shape(nd - 1), k = std::min(m, n);
  const int64_t batch = a.size() / (m * n);
  np::Shape out_shape(a.shape().begin(), a.shape().end() - 2);
  if (want_q)
    out_shape.insert(out_shape.end(), {m, k});
  else
    out_shape.insert(out_shape.end(), {k, n});
  np::Array out = np::zeros(out_shape, np::float64);
  for (int64_t b = 0; b < batch; ++b) {
    auto at = [&](int64_t i, int64_t j) { return a.get_flat(b * m * n + i * n + j); };
    std::vector<std::vector<double>> q(static_cast<size_t>(k), std::vector<double>(m));
    for (int64_t j = 0; j < k; ++j) {
      std::vector<double> v(m);
      for (int64_t i = 0; i < m; ++i) v[i] = at(i, j);
      for (int64_t p = 0; p < j; ++p) {
        double dot = 0;
        for (int64_t i = 0; i < m; ++i) dot += q[p][i] * v[i];
        for (int64_t i = 0; i < m; ++i) v[i] -= dot * q[p][i];
      }
      double norm = 0;
      for (double x : v) norm += x * x;
      norm = std::sqrt(norm);
      for (int64_t i = 0; i < m; ++i) q[j][i] = v[i] / norm;
    }
    for (int64_t i = 0; i < (want_q ? m : k); ++i)
      for (int64_t j = 0; j < (want_q ? k : n); ++j) {
        double val;
        if (want_q) {
          val = q[j][i];
        } else {  // r = q^T a, exactly zero below the diagonal
          val = 0;
          if (j >= i)
            for (int64_t p = 0; p < m; ++p) val += q[i][p] * at(p, j);
        }
        out.set_flat(b * (want_q ? m * k : k * n) + i * (want_q ? k : n) + j, val);
      }
  }
  return out;
}

Case qr_case(np::Shape shape, bool want_q, const std::string& label) {
  return Case{.op = "Qr",
              .label = label + (want_q ? "_q" : "_r"),
              .input_shapes = {shape},
              .build =
                  [want_q](const V& in) {
                    auto [q, r] = tf::qr(in[0]);
                    return Built{want_q ? q : r};
                  },
              .reference = [want_q](const A& x) { return gram_schmidt(x[0], want_q); },
              .check_gradient = false};
}

CONFORMANCE_CASE(qr_case({5, 3}, true, "tall"));
CONFORMANCE_CASE(qr_case({5, 3}, false, "tall"));
CONFORMANCE_CASE(qr_case({3, 5}, true, "wide"));
CONFORMANCE_CASE(qr_case({3, 5}, false, "wide"));
CONFORMANCE_CASE(qr_case({4, 4}, true, "square"));
CONFORMANCE_CASE(qr_case({2, 4, 3}, true, "batch"));
CONFORMANCE_CASE(qr_case({2, 4, 3}, false, "batch"));

}  // namespace
}  // namespace conformance
