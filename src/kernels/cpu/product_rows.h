// Float32 matrix products by blocks of rows: MatMul's size checks, and the
// row blocks an optimizer update fused with its gradient's MatMul computes
// as it goes (fused_update.h), so the gradient never leaves the cache.
#pragma once
#include <cstdint>
#include <string>

#include "keraspp/np/array.h"

namespace tf::kernels::cpu {

// op(a): [m, k], op(b): [k, n] (op = transpose when ta / tb).
struct MatMulDims {
  int64_t m, k, n;
};
// Throws TF's MatMul errors (non-matrix input, mismatched inner sizes).
MatMulDims matmul_dims(const np::Array& a, const np::Array& b, bool ta, bool tb,
                       const std::string& op_name);

// The product op(a) . op(b) of row-major float32 matrices a and b, for the
// MatMul node named op_name (which must outlive this).
struct ProductRows {
  ProductRows(const np::Array& a, const np::Array& b, bool ta, bool tb, const std::string& op_name);
  // out: [r1 - r0, n] = rows [r0, r1) of the product, on the calling thread
  // (sgemm runs single-threaded inside an OpenMP parallel region). False
  // when oneDNN refuses; nothing throws, as callers run in parallel regions.
  bool operator()(int64_t r0, int64_t r1, float* out) const;

  const float *a, *b;
  int64_t lda, ldb;
  bool ta, tb;
  MatMulDims dims;
  const std::string* op_name;
};

}  // namespace tf::kernels::cpu
