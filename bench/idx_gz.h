// Minimal reader for gzipped IDX files (MNIST / Fashion-MNIST format).
// Kept header-only and dependency-free (zlib only) so the LibTorch benchmark
// does not depend on the Keras++ library: the two sides must load the same
// bytes independently for a fair comparison.
#pragma once

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

struct IdxData {
  std::vector<int64_t> shape;   // e.g. {60000, 28, 28} or {60000}
  std::vector<uint8_t> bytes;   // row-major uint8 payload
};

// Reads an IDX file of unsigned bytes (type code 0x08), gzipped or not
// (gzread transparently passes through uncompressed files).
inline IdxData read_idx_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path);
  auto read_exact = [&](void* dst, size_t n) {
    // gzread takes an unsigned int count; read in chunks to stay well below it.
    auto* p = static_cast<unsigned char*>(dst);
    while (n > 0) {
      unsigned chunk = n > (1u << 30) ? (1u << 30) : static_cast<unsigned>(n);
      int got = gzread(f, p, chunk);
      if (got <= 0) {
        gzclose(f);
        throw std::runtime_error("short read in " + path);
      }
      p += got;
      n -= static_cast<size_t>(got);
    }
  };
  unsigned char magic[4];
  read_exact(magic, 4);
  if (magic[0] != 0 || magic[1] != 0 || magic[2] != 0x08) {
    gzclose(f);
    throw std::runtime_error(path + ": not a uint8 IDX file");
  }
  IdxData d;
  int64_t total = 1;
  for (int i = 0; i < magic[3]; ++i) {
    unsigned char b[4];
    read_exact(b, 4);  // dimensions are big-endian uint32
    int64_t dim = (int64_t{b[0]} << 24) | (int64_t{b[1]} << 16) | (int64_t{b[2]} << 8) | b[3];
    d.shape.push_back(dim);
    total *= dim;
  }
  d.bytes.resize(static_cast<size_t>(total));
  read_exact(d.bytes.data(), d.bytes.size());
  gzclose(f);
  return d;
}

// The shuffling contract shared with the Keras++ side of the benchmark:
// epoch e (0-based) visits the training samples in the order produced by
//   std::vector<int64_t> idx(n); std::iota(idx.begin(), idx.end(), 0);
//   std::mt19937_64 g(1337 + e); std::shuffle(idx.begin(), idx.end(), g);
// std::shuffle's algorithm is implementation-defined, so both sides must be
// built against the same libstdc++ (they are: same machine, same toolchain).
inline constexpr uint64_t kShuffleSeedBase = 1337;

inline std::vector<int64_t> epoch_permutation(int64_t n, int epoch) {
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::iota(idx.begin(), idx.end(), int64_t{0});
  std::mt19937_64 g(kShuffleSeedBase + static_cast<uint64_t>(epoch));
  std::shuffle(idx.begin(), idx.end(), g);
  return idx;
}

}  // namespace bench
