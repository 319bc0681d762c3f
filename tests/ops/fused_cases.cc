// Fused cases (conformance.h FusedCase) for the fusion table's rows: each
// builds the chain its row matches, fed random values, so the plan fuses it.
#include "conformance.h"
#include "keraspp/np/philox.h"

namespace conformance {
namespace {

np::Array uniform(const np::Shape& shape, uint64_t seed, np::DType dtype) {
  np::random::Philox4x32 rng(seed, 5);
  np::Array a = np::Array::empty(shape, np::float64);
  for (int64_t i = 0; i < a.size(); ++i) {
    auto r = rng.next();
    a.set_flat(i, -1 + 2 * np::random::Philox4x32::to_double(r[0], r[1]));
  }
  return a.astype(dtype);
}

// x [batch, 7] fed; w [7, 300] and b [300] constants; returns x . w + b,
// large enough for the parallel paths of the kernels.
struct Dense {
  tf::Tensor x, w, b;
  explicit Dense(np::DType t, const std::string& name = "x")
      : x(tf::placeholder(t, {-1, 7}, name)),
        w(tf::constant(uniform({7, 300}, 2, t))),
        b(tf::constant(uniform({300}, 3, t))) {}
  tf::Tensor operator()() const { return tf::nn::bias_add(tf::matmul(x, w), b); }
  tf::FeedDict feeds(int64_t batch, np::DType t) const { return {{x, uniform({batch, 7}, 1, t)}}; }
};

CONFORMANCE_FUSED_CASE(FusedCase{.op = "_FusedMatMul", .build = [](np::DType t) {
  const Dense dense(t);
  return FusedBuilt{.fetches = {dense()}, .feeds = dense.feeds(64, t)};
}});

CONFORMANCE_FUSED_CASE(FusedCase{.op = "_FusedMatMulRelu", .build = [](np::DType t) {
  const Dense dense(t);
  return FusedBuilt{.fetches = {tf::nn::relu(dense())}, .feeds = dense.feeds(64, t)};
}});

// The gradients of sum(h^2) for h = relu(x . w + b) (-> dropout): the
// backward chain the plan fuses, with x's and b's gradients fetched.
FusedBuilt relu_backprop(np::DType t, bool dropout) {
  const Dense dense(t);
  tf::Tensor h = tf::nn::relu(dense());
  if (dropout) h = tf::nn::dropout(h, 0.75, {.seed = 7});
  const tf::Tensor loss = tf::reduce_sum(h * h);
  return FusedBuilt{.fetches = tf::gradients(loss, {dense.x, dense.b}), .feeds = dense.feeds(64, t)};
}

CONFORMANCE_FUSED_CASE(FusedCase{.op = "_FusedReluBiasAddGrad",
                                 .build = [](np::DType t) { return relu_backprop(t, false); },
                                 .dtypes = {np::float32, np::float64}});

CONFORMANCE_FUSED_CASE(FusedCase{.op = "_FusedDropoutReluBiasAddGrad",
                                 .build = [](np::DType t) { return relu_backprop(t, true); },
                                 .dtypes = {np::float32, np::float64}});

}  // namespace
}  // namespace conformance
