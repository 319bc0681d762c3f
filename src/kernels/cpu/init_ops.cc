// Qr on the CPU: Householder reflections per matrix of the batch, computed in
// double for both float types, with R's diagonal made non-negative.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../../ops/init_ops_schema.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

// a: m x n row-major -> q: m x qcols, r: rrows x n (qcols = rrows = min(m, n)
// for the reduced decomposition, m for the full one).
void householder_qr(const double* a, int64_t m, int64_t n, bool full, std::vector<double>& q,
                    std::vector<double>& r) {
  const int64_t k = std::min(m, n), qcols = full ? m : k;
  std::vector<double> R(a, a + m * n);
  std::vector<std::vector<double>> vs(static_cast<size_t>(k));
  std::vector<double> vnorm2(static_cast<size_t>(k), 0.0);
  for (int64_t j = 0; j < k; ++j) {
    double norm2 = 0;
    for (int64_t i = j; i < m; ++i) norm2 += R[i * n + j] * R[i * n + j];
    if (norm2 == 0) continue;  // a zero column needs no reflection
    const double norm = std::sqrt(norm2);
    const double alpha = R[j * n + j] >= 0 ? -norm : norm;  // avoids cancellation
    std::vector<double>& v = vs[static_cast<size_t>(j)];
    v.assign(static_cast<size_t>(m), 0.0);
    for (int64_t i = j; i < m; ++i) v[i] = R[i * n + j];
    v[j] -= alpha;
    double vv = 0;
    for (int64_t i = j; i < m; ++i) vv += v[i] * v[i];
    vnorm2[j] = vv;
    for (int64_t c = j; c < n; ++c) {
      double dot = 0;
      for (int64_t i = j; i < m; ++i) dot += v[i] * R[i * n + c];
      const double f = 2 * dot / vv;
      for (int64_t i = j; i < m; ++i) R[i * n + c] -= f * v[i];
    }
  }
  // Q = H_0 H_1 ... H_{k-1} applied to the first qcols columns of I.
  q.assign(static_cast<size_t>(m * qcols), 0.0);
  for (int64_t i = 0; i < qcols; ++i) q[i * qcols + i] = 1.0;
  for (int64_t j = k - 1; j >= 0; --j) {
    if (vnorm2[j] == 0) continue;
    const std::vector<double>& v = vs[static_cast<size_t>(j)];
    for (int64_t c = 0; c < qcols; ++c) {
      double dot = 0;
      for (int64_t i = j; i < m; ++i) dot += v[i] * q[i * qcols + c];
      const double f = 2 * dot / vnorm2[j];
      for (int64_t i = j; i < m; ++i) q[i * qcols + c] -= f * v[i];
    }
  }
  for (int64_t i = 0; i < m; ++i)
    for (int64_t c = 0; c < std::min(i, n); ++c) R[i * n + c] = 0.0;
  // The unique factorisation: flip signs so R's diagonal is non-negative.
  for (int64_t i = 0; i < k; ++i) {
    if (R[i * n + i] >= 0) continue;
    for (int64_t c = i; c < n; ++c) R[i * n + c] = -R[i * n + c];
    for (int64_t row = 0; row < m; ++row) q[row * qcols + i] = -q[row * qcols + i];
  }
  const int64_t rrows = full ? m : k;
  r.assign(R.begin(), R.begin() + rrows * n);
}

template <class T>
void qr_kernel(KernelContext& ctx) {
  const np::Array& a = ctx.input(schema::kQr.index("input"));
  if (a.ndim() < 2)
    throw errors::InvalidArgumentError("Input to '" + ctx.op_name() +
                                       "' must have rank >= 2, got shape " +
                                       np::shape_str(a.shape()));
  const bool full = ctx.attr<bool>("full_matrices");
  const int64_t m = a.shape(a.ndim() - 2), n = a.shape(a.ndim() - 1), k = std::min(m, n);
  const int64_t qcols = full ? m : k, rrows = full ? m : k;
  np::Shape qs(a.shape().begin(), a.shape().end() - 2), rs = qs;
  qs.insert(qs.end(), {m, qcols});
  rs.insert(rs.end(), {rrows, n});
  np::Array& q = ctx.allocate_output(0, qs, a.dtype());
  np::Array& r = ctx.allocate_output(1, rs, a.dtype());
  const int64_t batch = np::shape_size(np::Shape(a.shape().begin(), a.shape().end() - 2));
  const T* pa = a.data<T>();
  T* pq = q.data<T>();
  T* pr = r.data<T>();
#pragma omp parallel for if (batch > 1)
  for (int64_t b = 0; b < batch; ++b) {
    std::vector<double> in(pa + b * m * n, pa + (b + 1) * m * n), qb, rb;
    householder_qr(in.data(), m, n, full, qb, rb);
    for (int64_t i = 0; i < m * qcols; ++i) pq[b * m * qcols + i] = static_cast<T>(qb[i]);
    for (int64_t i = 0; i < rrows * n; ++i) pr[b * rrows * n + i] = static_cast<T>(rb[i]);
  }
}

KPP_REGISTER_KERNEL("Qr", "CPU", float32, qr_kernel<float>);
KPP_REGISTER_KERNEL("Qr", "CPU", float64, qr_kernel<double>);

}  // namespace
}  // namespace tf::kernels
