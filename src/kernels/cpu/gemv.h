// Row-vector times matrix for float32, with an optional bias + relu epilogue:
// the batch-1 path of small Dense layers (the seed MLP's 512 -> 10 output),
// where oneDNN's sgemm spends more time in dispatch than in arithmetic
// (measured 0.67 vs 1.32 us for 512 x 10). Large ones stay on sgemm: both
// run at the machine's L2 bandwidth there (~59 GB/s per core, measured),
// and sgemm's split across threads kept the MLP's 2.7 MB of weights better
// cached from call to call (30 vs 40 us for the three layers).
#pragma once
#include <cstdint>

namespace tf::kernels::cpu {

// x: [k], w: [k, n] row-major with row stride ldw, bias: [n] or null
// -> y: [n] = x . w (+ bias) (relu'd), one thread, rows added in order.
void gemv_f32(const float* x, const float* w, int64_t ldw, int64_t k, int64_t n,
              const float* bias, bool relu, float* y);

}  // namespace tf::kernels::cpu
