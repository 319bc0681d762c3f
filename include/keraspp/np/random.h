// numpy.random: a process-wide generator seeded by np::random::seed(s).
// Counter-based (Philox4x32-10): the same seed gives the same numbers.
#pragma once
#include <cstdint>

#include "keraspp/np/array.h"

namespace np::random {

void seed(uint64_t s);
// Uniform in [low, high); float64 as numpy (use .astype for float32).
Array uniform(double low = 0.0, double high = 1.0, const Shape& size = {});
Array normal(double loc = 0.0, double scale = 1.0, const Shape& size = {});
// Integers in [low, high), int64.
Array randint(int64_t low, int64_t high, const Shape& size = {});
// A random permutation of 0..n-1 (int64), numpy.random.permutation(n).
Array permutation(int64_t n);
// Shuffles the rows of `a` in place (numpy.random.shuffle).
void shuffle(const Array& a);
// A fresh 64-bit value from the global stream; used to derive other seeds.
uint64_t next_u64();

}  // namespace np::random
