// CPU kernels of the random ops on Philox4x32-10 (stream layout and
// per-run block reservation: random_stream.h). Block i always lands in the
// same output elements, so fills are parallel and thread-count independent.
#include <cmath>

#include "../../ops/random_ops_schema.h"
#include "random_stream.h"

namespace tf::kernels {
namespace {

using np::random::Philox4x32;
using random_stream::reserve;
using random_stream::Stream;

// Blocks each group of a truncated normal may read before it spills into the
// next group's: a float group needs 4 of 64 draws inside 2 stddev (p = 0.954).
constexpr uint64_t kTruncatedBlocksPerGroup = 16;

np::Shape shape_input(const KernelContext& ctx) {
  const np::Array& s = ctx.input(schema::kRandom.index("shape"));
  if (s.ndim() != 1)
    throw errors::InvalidArgumentError("shape must be a vector of {int32,int64}, got shape " +
                                       np::shape_str(s.shape()) + " for '" + ctx.op_name() + "'");
  np::Shape out(static_cast<size_t>(s.size()));
  for (int64_t i = 0; i < s.size(); ++i) {
    const auto d = static_cast<int64_t>(s.get_flat(i));
    if (d < 0)
      throw errors::InvalidArgumentError("Dimension " + std::to_string(i) + " must be >= 0, got " +
                                         std::to_string(d) + " for '" + ctx.op_name() + "'");
    out[static_cast<size_t>(i)] = d;
  }
  return out;
}

// Uniforms in (0, 1] (never 0, so log() stays finite in Box-Muller).
double open_unit32(uint32_t w) { return (static_cast<double>(w) + 1.0) * 0x1.0p-32; }
double open_unit53(uint32_t hi, uint32_t lo) { return 1.0 - Philox4x32::to_double(hi, lo); }

// Normals one Philox block gives: 4 for float (two Box-Muller pairs from
// 32-bit uniforms), 2 for double (one pair from 53-bit uniforms).
template <class T> constexpr int kNormalsPerBlock = sizeof(T) == 4 ? 4 : 2;
template <class T> void block_normals(const Philox4x32::Block& w, double* z) {
  if constexpr (sizeof(T) == 4) {
    Philox4x32::box_muller(open_unit32(w[0]), open_unit32(w[1]), &z[0], &z[1]);
    Philox4x32::box_muller(open_unit32(w[2]), open_unit32(w[3]), &z[2], &z[3]);
  } else {
    Philox4x32::box_muller(open_unit53(w[0], w[1]), open_unit53(w[2], w[3]), &z[0], &z[1]);
  }
}

// Runs fill(block_index, first_element, count) over ceil(n / per) blocks.
template <class F> void for_blocks(int64_t n, int per, F fill) {
  const int64_t blocks = (n + per - 1) / per;
#pragma omp parallel for if (n > np::kParallelGrain) schedule(static)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t first = b * per;
    fill(b, first, static_cast<int>(std::min<int64_t>(per, n - first)));
  }
}

// out: shape -> uniform [0, 1): 4 floats (24-bit) or 2 doubles (53-bit) per
// block, generated in vectorised batches.
template <class T> void random_uniform(KernelContext& ctx) {
  np::Array& out = ctx.allocate_output(0, shape_input(ctx), np::dtype_v<T>);
  T* o = out.data<T>();
  random_stream::for_stream_chunks<T>(ctx, out.size(), [o](const Stream& s, int64_t first, int64_t count) {
    random_stream::fill_uniform(s, first, count, o + first);
  });
}

// out: shape -> standard normal (Box-Muller).
template <class T> void random_standard_normal(KernelContext& ctx) {
  np::Array& out = ctx.allocate_output(0, shape_input(ctx), np::dtype_v<T>);
  const int64_t n = out.size();
  constexpr int per = kNormalsPerBlock<T>;
  const Stream s = reserve(ctx, static_cast<uint64_t>((n + per - 1) / per));
  T* o = out.data<T>();
  for_blocks(n, per, [&](int64_t b, int64_t first, int count) {
    Philox4x32 g = s.at(static_cast<uint64_t>(b));
    double z[4];
    block_normals<T>(g.next(), z);
    for (int k = 0; k < count; ++k) o[first + k] = static_cast<T>(z[k]);
  });
}

// out: shape -> standard normal restricted to (-2, 2): each group of outputs
// draws from its own stretch of blocks, redrawing values beyond 2 stddev.
template <class T> void truncated_normal(KernelContext& ctx) {
  np::Array& out = ctx.allocate_output(0, shape_input(ctx), np::dtype_v<T>);
  const int64_t n = out.size();
  constexpr int per = kNormalsPerBlock<T>;
  const auto groups = static_cast<uint64_t>((n + per - 1) / per);
  const Stream s = reserve(ctx, groups * kTruncatedBlocksPerGroup);
  T* o = out.data<T>();
  for_blocks(n, per, [&](int64_t b, int64_t first, int count) {
    Philox4x32 g = s.at(static_cast<uint64_t>(b) * kTruncatedBlocksPerGroup);
    int filled = 0;
    while (filled < count) {
      double z[4];
      block_normals<T>(g.next(), z);
      for (int k = 0; k < per && filled < count; ++k) {
        // Compared after rounding to T, so a float never rounds up to 2.
        const T v = static_cast<T>(z[k]);
        if (v > T(-2) && v < T(2)) o[first + filled++] = v;
      }
    }
  });
}

const bool registered = [] {
  auto& r = KernelRegistry::global();
  r.add("RandomUniform", "CPU", float32, random_uniform<float>);
  r.add("RandomUniform", "CPU", float64, random_uniform<double>);
  r.add("RandomStandardNormal", "CPU", float32, random_standard_normal<float>);
  r.add("RandomStandardNormal", "CPU", float64, random_standard_normal<double>);
  r.add("TruncatedNormal", "CPU", float32, truncated_normal<float>);
  r.add("TruncatedNormal", "CPU", float64, truncated_normal<double>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
