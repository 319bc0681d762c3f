// Per-run Philox streams shared by the random kernels (random_ops.cc) and
// the fused dropout (nn_dropout.cc), so a fused op draws exactly the numbers
// the RandomUniform node it replaces would have drawn.
//
// Stream layout: key = seed, counter high word = seed2, counter low word = a
// block index. Each run reserves the blocks it reads from the session's
// per-node counter (SessionState::reserve_random_blocks), so successive runs
// continue the stream and a fresh session replays it. Seeds (0, 0) mean
// "nondeterministic": a fresh key per run from the OS.
#pragma once
#include <algorithm>
#include <random>

#include "kernels/kernel.h"
#include "keraspp/np/broadcast.h"
#include "keraspp/np/philox.h"

namespace tf::kernels::random_stream {

struct Stream {
  uint64_t key;
  uint64_t seed2;
  uint64_t base;  // first block of this run
  np::random::Philox4x32 at(uint64_t block) const {
    np::random::Philox4x32 g(key, seed2);
    g.seek(base + block);
    return g;
  }
};

// Reserves `blocks` blocks of the stream of ctx's node (attrs seed, seed2)
// for one run.
inline Stream reserve(KernelContext& ctx, uint64_t blocks) {
  const auto seed = static_cast<uint64_t>(ctx.attr<int64_t>("seed"));
  const auto seed2 = static_cast<uint64_t>(ctx.attr<int64_t>("seed2"));
  if (seed == 0 && seed2 == 0) {
    std::random_device rd;
    return {(uint64_t{rd()} << 32) | rd(), (uint64_t{rd()} << 32) | rd(), 0};
  }
  return {seed, seed2, ctx.state().reserve_random_blocks(ctx.node().id, blocks)};
}

// Uniforms of T per Philox block: 4 floats (24-bit) or 2 doubles (53-bit).
template <class T> constexpr int kUniformsPerBlock = sizeof(T) == 4 ? 4 : 2;

// Elements per chunk of a parallel uniform fill: block b always fills the
// same elements, so the result does not depend on the thread count.
template <class T> constexpr int64_t kUniformChunk = 256 * kUniformsPerBlock<T>;

// Reserves this run's blocks for n uniforms of T and calls
// chunk(stream, first, count) for consecutive chunks [first, first + count)
// of the n elements (element k's uniform comes from block first / per +
// (k - first) / per of the run), in parallel above np::kParallelGrain.
template <class T, class Chunk> void for_stream_chunks(KernelContext& ctx, int64_t n, Chunk chunk) {
  constexpr int64_t per = kUniformsPerBlock<T>, size = kUniformChunk<T>;
  const Stream s = reserve(ctx, static_cast<uint64_t>((n + per - 1) / per));
  const int64_t chunks = (n + size - 1) / size;
#pragma omp parallel for if (n > np::kParallelGrain) schedule(static)
  for (int64_t c = 0; c < chunks; ++c) chunk(s, c * size, std::min(size, n - c * size));
}

// out[first, first + count) = the uniforms RandomUniform puts there.
template <class T> void fill_uniform(const Stream& s, int64_t first, int64_t count, T* out) {
  np::random::Philox4x32::fill_uniform(s.key, s.seed2,
                                       s.base + static_cast<uint64_t>(first / kUniformsPerBlock<T>), count, out);
}

// The same chunks with their uniforms in a stack buffer: body(first, count,
// u), u[0, count) the uniforms of elements [first, first + count).
template <class T, class Body> void for_uniform_chunks(KernelContext& ctx, int64_t n, Body body) {
  for_stream_chunks<T>(ctx, n, [&body](const Stream& s, int64_t first, int64_t count) {
    alignas(64) T u[kUniformChunk<T>];
    fill_uniform(s, first, count, u);
    body(first, count, static_cast<const T*>(u));
  });
}

}  // namespace tf::kernels::random_stream
