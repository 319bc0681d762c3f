// Philox4x32-10, the counter-based generator TensorFlow uses: a stream is
// determined by (key, counter), so numbers do not depend on thread scheduling.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>

namespace np::random {

class Philox4x32 {
 public:
  using Block = std::array<uint32_t, 4>;
  // key: 64-bit seed; counter_hi: stream id (e.g. op seed and step).
  Philox4x32(uint64_t key, uint64_t counter_hi)
      : key_{static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32)},
        ctr_{0, 0, static_cast<uint32_t>(counter_hi), static_cast<uint32_t>(counter_hi >> 32)} {}

  // Jumps to block `n` of this stream (random access, for parallel fills).
  void seek(uint64_t n) {
    ctr_[0] = static_cast<uint32_t>(n);
    ctr_[1] = static_cast<uint32_t>(n >> 32);
  }

  // Next 4 random words.
  Block next() {
    Block c = ctr_;
    std::array<uint32_t, 2> k = key_;
    for (int r = 0; r < 10; ++r) {
      round(c, k);
      k[0] += kWeyl0;
      k[1] += kWeyl1;
    }
    if (++ctr_[0] == 0) ++ctr_[1];
    return c;
  }

  // The words of blocks [first, first + n) of stream (key, counter_hi) --
  // exactly what seek(first + i).next() gives -- into words[4 * i + j].
  // Bulk fills compute many blocks side by side in vector registers
  // (src/np/philox.cc, compiled for the build machine's vector unit).
  static void fill_blocks(uint64_t key, uint64_t counter_hi, uint64_t first, int64_t n,
                          uint32_t* words);
  // n uniform floats from the words of blocks first, first + 1, ... in order:
  // out[k] = to_float(word k % 4 of block first + k / 4). n need not be a
  // multiple of 4 (the last block's extra words go unused).
  static void fill_uniform(uint64_t key, uint64_t counter_hi, uint64_t first, int64_t n, float* out);
  // The same for doubles, two words each: out[k] = to_double(words 2k % 4 and
  // 2k % 4 + 1 of block first + k / 2).
  static void fill_uniform(uint64_t key, uint64_t counter_hi, uint64_t first, int64_t n, double* out);

  // Uniform float in [0, 1) from 24 random bits; double from 53.
  static float to_float(uint32_t x) { return static_cast<float>(x >> 8) * 0x1.0p-24f; }
  static double to_double(uint32_t hi, uint32_t lo) {
    uint64_t v = (static_cast<uint64_t>(hi) << 21) ^ (lo >> 11);
    return static_cast<double>(v & ((1ull << 53) - 1)) * 0x1.0p-53;
  }
  // Two standard normals from two uniforms (Box-Muller).
  static void box_muller(double u1, double u2, double* z0, double* z1) {
    const double r = std::sqrt(-2.0 * std::log(u1 > 0 ? u1 : 1e-300));
    const double t = 6.283185307179586 * u2;
    *z0 = r * std::cos(t);
    *z1 = r * std::sin(t);
  }

  // Round multipliers and key increments (Weyl sequence) of Philox4x32.
  static constexpr uint32_t kMul0 = 0xD2511F53u, kMul1 = 0xCD9E8D57u;
  static constexpr uint32_t kWeyl0 = 0x9E3779B9u, kWeyl1 = 0xBB67AE85u;

 private:
  static void round(Block& c, const std::array<uint32_t, 2>& k) {
    const uint64_t p0 = uint64_t{kMul0} * c[0];
    const uint64_t p1 = uint64_t{kMul1} * c[2];
    const uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    const uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }

  std::array<uint32_t, 2> key_;
  Block ctr_;
};

}  // namespace np::random
