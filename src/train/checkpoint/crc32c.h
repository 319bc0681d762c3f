// CRC32C (Castagnoli), as TensorFlow and LevelDB checksum their files, and
// their "masked" form stored beside data that may itself hold CRCs. Debian
// ships no C/C++ CRC32C library (only Boost's generic CRC template and
// Python's crc32c), so this is the standard reflected table algorithm.
#pragma once
#include <cstddef>
#include <cstdint>

namespace keraspp::checkpoint {

// crc32c("123456789") == 0xE3069283; `crc` continues an earlier value.
uint32_t crc32c_extend(uint32_t crc, const void* data, size_t n);
inline uint32_t crc32c(const void* data, size_t n) { return crc32c_extend(0, data, n); }

inline constexpr uint32_t kCrcMaskDelta = 0xa282ead8u;
inline uint32_t mask_crc(uint32_t crc) { return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta; }
inline uint32_t unmask_crc(uint32_t masked) {
  const uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace keraspp::checkpoint
