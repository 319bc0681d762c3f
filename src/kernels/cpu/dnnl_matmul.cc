// oneDNN matmul primitives, cached per shape (see dnnl_matmul.h).
#include "dnnl_matmul.h"

#include <map>
#include <mutex>
#include <tuple>

#include <oneapi/dnnl/dnnl.hpp>

namespace tf::kernels::cpu {
namespace {

using Key = std::tuple<bool, bool, int64_t, int64_t, int64_t, int64_t, int64_t>;

struct Cached {
  dnnl::matmul prim;
  dnnl::memory::desc a, b, c;
};

dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// The primitive for one (transposes, shape, strides); built on first use.
const Cached& primitive(const Key& key) {
  static std::mutex mu;
  static std::map<Key, Cached> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  const auto [ta, tb, m, n, k, lda, ldb] = key;
  using dims = dnnl::memory::dims;
  const auto f32 = dnnl::memory::data_type::f32;
  // A transposed operand is the stored matrix read with swapped strides.
  dnnl::memory::desc a({m, k}, f32, ta ? dims{1, lda} : dims{lda, 1});
  dnnl::memory::desc b({k, n}, f32, tb ? dims{1, ldb} : dims{ldb, 1});
  dnnl::memory::desc c({m, n}, f32, dims{n, 1});
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, b, c), cpu_engine());
  return cache.emplace(key, Cached{dnnl::matmul(pd), a, b, c}).first->second;
}

}  // namespace

bool dnnl_matmul_f32(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                     const float* b, int64_t ldb, float* c) {
  try {
    const Cached& p = primitive({ta, tb, m, n, k, lda, ldb});
    thread_local dnnl::stream stream(cpu_engine());
    dnnl::engine& eng = cpu_engine();
    dnnl::memory am(p.a, eng, const_cast<float*>(a)), bm(p.b, eng, const_cast<float*>(b)),
        cm(p.c, eng, c);
    p.prim.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
    stream.wait();
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

}  // namespace tf::kernels::cpu
