// The float32 MatMul kernel's paths against a float64 reference: a row
// vector times a small matrix (gemv: every tile width and masked tail), and
// large products in all four transpose combinations (sgemm, and oneDNN's
// matmul primitive for the transposed ones).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "keraspp/np/cpu_features.h"
#include "keraspp/np/random.h"
#include "keraspp/tf.h"

namespace {

void check_row_vector_products() {
  for (const int64_t k : {1, 5, 64, 130}) {
    for (const int64_t n : {1, 15, 16, 17, 255, 256, 300, 500}) {
      for (const bool ta : {false, true}) {
        tf::Graph g;
        auto guard = g.as_default();
        np::random::seed(static_cast<uint64_t>(k * 1000 + n));
        const np::Array a = np::random::uniform(-1, 1, ta ? np::Shape{k, 1} : np::Shape{1, k});
        const np::Array b = np::random::uniform(-1, 1, {k, n});
        auto y = tf::matmul(tf::constant(a.astype(np::float32)), tf::constant(b.astype(np::float32)),
                            {.transpose_a = ta});
        tf::Session s(g);
        const np::Array out = s.run(y);
        ASSERT_EQ(out.shape(), (np::Shape{1, n}));
        for (int64_t j = 0; j < n; ++j) {
          double ref = 0;
          for (int64_t p = 0; p < k; ++p)
            ref += static_cast<double>(static_cast<float>(a.get_flat(p))) *
                   static_cast<float>(b.get_flat(p * n + j));
          ASSERT_NEAR(out.get_flat(j), ref, 1e-5 * (1 + std::abs(ref)))
              << "k=" << k << " n=" << n << " ta=" << ta << " j=" << j;
        }
      }
    }
  }
}

TEST(MatMulRowVector, MatchesAFloat64Reference) { check_row_vector_products(); }

// The gemv's tiles are chosen at run time (np/cpu_features.h): each ISA this
// machine has gives the reference's products.
TEST(MatMulRowVector, EveryKernelIsaThisCpuHasMatchesTheReference) {
  for (const auto isa : {np::cpu::KernelIsa::kGeneric, np::cpu::KernelIsa::kAvx512}) {
    if (!np::cpu::supports(isa)) continue;
    np::cpu::ScopedKernelIsa scoped(isa);
    SCOPED_TRACE(np::cpu::kernel_isa_name(isa));
    ASSERT_EQ(np::cpu::kernel_isa(), isa);
    check_row_vector_products();
  }
}

// a: [m, k] (or its transpose), b: [k, n] (or its transpose) in float64.
std::vector<double> reference(const np::Array& a, const np::Array& b, bool ta, bool tb) {
  const int64_t m = ta ? a.shape(1) : a.shape(0), k = ta ? a.shape(0) : a.shape(1);
  const int64_t n = tb ? b.shape(0) : b.shape(1);
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) {
      const double av = ta ? a.get_flat(p * m + i) : a.get_flat(i * k + p);
      for (int64_t j = 0; j < n; ++j)
        c[static_cast<size_t>(i * n + j)] += av * (tb ? b.get_flat(j * k + p) : b.get_flat(p * n + j));
    }
  return c;
}

TEST(MatMulLarge, AllTransposesMatchAFloat64Reference) {
  const int64_t m = 96, k = 200, n = 250;  // 4.8M multiply-adds: the primitive path
  for (const bool ta : {false, true}) {
    for (const bool tb : {false, true}) {
      tf::Graph g;
      auto guard = g.as_default();
      np::random::seed(7);
      const np::Array a = np::random::uniform(-1, 1, ta ? np::Shape{k, m} : np::Shape{m, k})
                              .astype(np::float32).astype(np::float64);
      const np::Array b = np::random::uniform(-1, 1, tb ? np::Shape{n, k} : np::Shape{k, n})
                              .astype(np::float32).astype(np::float64);
      auto y = tf::matmul(tf::constant(a.astype(np::float32)), tf::constant(b.astype(np::float32)),
                          {.transpose_a = ta, .transpose_b = tb});
      tf::Session s(g);
      const np::Array out = s.run(y);
      const std::vector<double> ref = reference(a, b, ta, tb);
      ASSERT_EQ(out.shape(), (np::Shape{m, n}));
      for (size_t i = 0; i < ref.size(); ++i)
        ASSERT_NEAR(out.get_flat(static_cast<int64_t>(i)), ref[i], 1e-4 * (1 + std::abs(ref[i])))
            << "ta=" << ta << " tb=" << tb << " at " << i;
    }
  }
}

}  // namespace
