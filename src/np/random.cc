// numpy.random's global stream on Philox4x32-10: key = seed, the counter
// advances one block per 4 words drawn. Every draw holds one mutex, so a
// call's numbers are one contiguous run of the stream whatever the threads.
#include "keraspp/np/random.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <random>

#include "keraspp/np/philox.h"

namespace np::random {

namespace {

class Stream {
 public:
  void seed(uint64_t s) {
    gen_ = Philox4x32(s, 0);
    left_ = 0;
    seeded_ = true;
  }

  // Next 32-bit word. Caller holds mu().
  uint32_t u32() {
    if (!seeded_) {
      // numpy is unseeded-random: draw a key from the OS once.
      std::random_device rd;
      seed((static_cast<uint64_t>(rd()) << 32) | rd());
    }
    if (left_ == 0) {
      block_ = gen_.next();
      left_ = 4;
    }
    return block_[4 - left_--];
  }
  uint64_t u64() {
    const uint64_t hi = u32();
    return (hi << 32) | u32();
  }
  // Uniform double in [0, 1) with 53 random bits.
  double unit() {
    const uint32_t hi = u32();
    return Philox4x32::to_double(hi, u32());
  }
  // Uniform integer in [0, n), n >= 1, without modulo bias (rejection).
  uint64_t below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;  // a multiple of n
    uint64_t v;
    do v = u64();
    while (v >= limit);
    return v % n;
  }

  std::mutex& mu() { return mu_; }

 private:
  std::mutex mu_;
  Philox4x32 gen_{0, 0};
  Philox4x32::Block block_{};
  int left_ = 0;  // unread words of block_
  bool seeded_ = false;
};

Stream& stream() {
  static Stream s;
  return s;
}

}  // namespace

void seed(uint64_t s) {
  Stream& st = stream();
  std::lock_guard lock(st.mu());
  st.seed(s);
}

Array uniform(double low, double high, const Shape& size) {
  Array out = Array::empty(size, float64);
  double* p = out.data<double>();
  Stream& st = stream();
  std::lock_guard lock(st.mu());
  for (int64_t i = 0; i < out.size(); ++i) p[i] = low + (high - low) * st.unit();
  return out;
}

Array normal(double loc, double scale, const Shape& size) {
  Array out = Array::empty(size, float64);
  double* p = out.data<double>();
  const int64_t n = out.size();
  Stream& st = stream();
  std::lock_guard lock(st.mu());
  for (int64_t i = 0; i < n; i += 2) {
    // 1 - u lies in (0, 1], keeping log() finite.
    const double u1 = 1.0 - st.unit(), u2 = st.unit();
    double z0, z1;
    Philox4x32::box_muller(u1, u2, &z0, &z1);
    p[i] = loc + scale * z0;
    if (i + 1 < n) p[i + 1] = loc + scale * z1;
  }
  return out;
}

Array randint(int64_t low, int64_t high, const Shape& size) {
  if (high <= low) throw ValueError("low >= high");
  Array out = Array::empty(size, int64);
  int64_t* p = out.data<int64_t>();
  // The span as unsigned: high - low may exceed INT64_MAX.
  const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  Stream& st = stream();
  std::lock_guard lock(st.mu());
  for (int64_t i = 0; i < out.size(); ++i)
    p[i] = static_cast<int64_t>(static_cast<uint64_t>(low) + st.below(span));
  return out;
}

Array permutation(int64_t n) {
  if (n < 0) throw ValueError("negative dimensions are not allowed");
  Array out = arange(n, int64);
  int64_t* p = out.data<int64_t>();
  Stream& st = stream();
  std::lock_guard lock(st.mu());
  // Fisher-Yates from the end: each prefix position is equally likely.
  for (int64_t i = n - 1; i > 0; --i)
    std::swap(p[i], p[static_cast<int64_t>(st.below(static_cast<uint64_t>(i) + 1))]);
  return out;
}

void shuffle(const Array& a) {
  if (a.ndim() == 0) throw TypeError("len() of unsized object");
  const int64_t rows = a.shape(0);
  if (rows < 2) return;
  const size_t row_bytes = a.nbytes() / static_cast<size_t>(rows);
  auto* base = static_cast<unsigned char*>(a.raw_data());
  std::vector<unsigned char> tmp(row_bytes);
  Stream& st = stream();
  std::lock_guard lock(st.mu());
  for (int64_t i = rows - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(st.below(static_cast<uint64_t>(i) + 1));
    if (j == i || row_bytes == 0) continue;
    unsigned char* ri = base + i * row_bytes;
    unsigned char* rj = base + j * row_bytes;
    std::memcpy(tmp.data(), ri, row_bytes);
    std::memcpy(ri, rj, row_bytes);
    std::memcpy(rj, tmp.data(), row_bytes);
  }
}

uint64_t next_u64() {
  Stream& st = stream();
  std::lock_guard lock(st.mu());
  return st.u64();
}

}  // namespace np::random
