// oneDNN matmul primitives, cached per shape in the shared context (see
// dnnl_matmul.h, dnnl_context.h).
#include "dnnl_matmul.h"

#include "dnnl_context.h"

namespace tf::kernels::cpu {
namespace {

struct Matmul {
  dnnl::matmul prim;
  dnnl::memory::desc a, b, c, scratchpad;
};

}  // namespace

bool dnnl_matmul_f32(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                     const float* b, int64_t ldb, float* c) {
  try {
    namespace ctx = dnnl_context;
    ctx::PrimitiveKey key(dnnl::primitive::kind::matmul);
    key.add(ta).add(tb).add(m).add(n).add(k).add(lda).add(ldb);
    const Matmul& p = ctx::cached<Matmul>(key, [&] {
      using dims = dnnl::memory::dims;
      const auto f32 = dnnl::memory::data_type::f32;
      // A transposed operand is the stored matrix read with swapped strides.
      dnnl::memory::desc ad({m, k}, f32, ta ? dims{1, lda} : dims{lda, 1});
      dnnl::memory::desc bd({k, n}, f32, tb ? dims{1, ldb} : dims{ldb, 1});
      dnnl::memory::desc cd({m, n}, f32, dims{n, 1});
      dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(ad, bd, cd), ctx::default_attr(),
                                      ctx::engine());
      return Matmul{dnnl::matmul(pd), ad, bd, cd, pd.scratchpad_desc()};
    });
    dnnl::engine& eng = ctx::engine();
    dnnl::memory am(p.a, eng, const_cast<float*>(a)), bm(p.b, eng, const_cast<float*>(b)),
        cm(p.c, eng, c);
    dnnl::stream& stream = ctx::stream();
    p.prim.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm},
                            {DNNL_ARG_SCRATCHPAD, ctx::scratchpad(p.scratchpad)}});
    stream.wait();
    return true;
  } catch (const dnnl::error&) {
    return false;
  }
}

}  // namespace tf::kernels::cpu
