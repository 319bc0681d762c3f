// MatMul of a row vector (batch-1 inference) runs on the gemv kernel for
// small matrices: every tile width and masked tail, with and without
// transpose_a, against a float64 reference.
#include <gtest/gtest.h>

#include <cmath>

#include "keraspp/np/random.h"
#include "keraspp/tf.h"

namespace {

TEST(MatMulRowVector, MatchesAFloat64Reference) {
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

}  // namespace
