// Row blocks of float32 products on oneDNN's sgemm (see product_rows.h).
#include "product_rows.h"

#include <oneapi/dnnl/dnnl.h>

#include <algorithm>

#include "keraspp/errors.h"

namespace tf::kernels::cpu {

MatMulDims matmul_dims(const np::Array& a, const np::Array& b, bool ta, bool tb,
                       const std::string& op_name) {
  if (a.ndim() != 2 || b.ndim() != 2)
    throw errors::InvalidArgumentError("In[0] and In[1] must be matrices for '" + op_name + "'");
  const int64_t m = ta ? a.shape(1) : a.shape(0), k = ta ? a.shape(0) : a.shape(1);
  const int64_t kb = tb ? b.shape(1) : b.shape(0), n = tb ? b.shape(0) : b.shape(1);
  if (k != kb)
    throw errors::InvalidArgumentError("Matrix size-incompatible: In[0]: " + np::shape_str(a.shape()) +
                                       ", In[1]: " + np::shape_str(b.shape()) + " for '" + op_name +
                                       "' (op: 'MatMul')");
  return {m, k, n};
}

ProductRows::ProductRows(const np::Array& a_, const np::Array& b_, bool ta_, bool tb_,
                         const std::string& name)
    : a(a_.data<float>()), b(b_.data<float>()), lda(a_.ndim() == 2 ? a_.shape(1) : 0),
      ldb(b_.ndim() == 2 ? b_.shape(1) : 0), ta(ta_), tb(tb_),
      dims(matmul_dims(a_, b_, ta_, tb_, name)), op_name(&name) {}

bool ProductRows::operator()(int64_t r0, int64_t r1, float* out) const {
  const int64_t m = r1 - r0;
  if (m <= 0 || dims.n == 0) return true;
  if (dims.k == 0) {  // sgemm leaves C untouched when K = 0
    std::fill(out, out + m * dims.n, 0.f);
    return true;
  }
  // Row r of op(a) is column r of a when transposed, else row r.
  const float* a_rows = ta ? a + r0 : a + r0 * lda;
  return dnnl_sgemm(ta ? 'T' : 'N', tb ? 'T' : 'N', m, dims.n, dims.k, 1.f, a_rows, lda, b, ldb,
                    0.f, out, dims.n) == dnnl_success;
}

}  // namespace tf::kernels::cpu
