// The resource cap on one buffer's size (device.h: memory_limit) and TF's
// out-of-memory error.
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <string>

#include "keraspp/errors.h"
#include "keraspp/np/array.h"
#include "keraspp/np/memory_limit.h"

namespace np {

namespace {

// 0 until first asked for (then the default), or what set_memory_limit set.
std::atomic<size_t> g_memory_limit{0};

// "1073741824", "512M", "8G", "1T" (binary multiples); ValueError otherwise.
size_t parse_size(const std::string& text) {
  size_t pos = 0;
  unsigned long long n = 0;
  try {
    n = std::stoull(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  int shift = 0;
  if (pos > 0 && pos + 1 == text.size()) {
    switch (std::toupper(static_cast<unsigned char>(text[pos]))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      case 'T': shift = 40; break;
      default: pos = 0;
    }
    if (pos) ++pos;
  }
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) pos = 0;
  if (pos == 0 || pos != text.size() || n == 0 || n > (~0ULL >> shift))
    throw ValueError("KERASPP_MEMORY_LIMIT='" + text +
                     "' is not a size in bytes (a positive number, optionally with K, M, G or T)");
  return static_cast<size_t>(n << shift);
}

size_t default_memory_limit() {
  if (const char* env = std::getenv("KERASPP_MEMORY_LIMIT"); env && *env) return parse_size(env);
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return size_t{1} << 62;  // unknown: no cap below the allocator's
  return static_cast<size_t>(pages) / 2 * static_cast<size_t>(page_size);
}

// TF's TensorShape::DebugString: [2,3], [] for a scalar.
std::string tf_shape_str(const Shape& shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

}  // namespace

size_t memory_limit() {
  size_t limit = g_memory_limit.load(std::memory_order_relaxed);
  if (limit == 0) {
    limit = default_memory_limit();
    size_t unset = 0;
    if (!g_memory_limit.compare_exchange_strong(unset, limit, std::memory_order_relaxed))
      limit = unset;  // another thread set it first
  }
  return limit;
}

size_t set_memory_limit(size_t bytes) {
  const size_t previous = memory_limit();
  g_memory_limit.store(bytes == 0 ? default_memory_limit() : bytes, std::memory_order_relaxed);
  return previous;
}

void throw_out_of_memory(const Shape& shape, DType dtype, std::string_view what, size_t bytes) {
  throw tf::errors::ResourceExhaustedError(
      "OOM when allocating tensor with shape" + tf_shape_str(shape) + " and type " +
      tf_dtype_name(dtype) + " on " + kCpuDevice.str() + " by allocator " +
      std::string(host_allocator().name()) + " for '" + std::string(what) + "' (" + std::to_string(bytes) +
      " bytes; the memory limit is " + std::to_string(memory_limit()) +
      " bytes, set by np::set_memory_limit or KERASPP_MEMORY_LIMIT)");
}

void check_allocation(const Shape& shape, DType dtype, std::string_view what) {
  uint64_t bytes = itemsize(dtype);
  bool overflow = false;
  for (int64_t d : shape) {
    if (d <= 0) return;  // empty (negative dims are the caller's ValueError)
    overflow = overflow || __builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes);
  }
  if (overflow)  // numpy's error for such a shape
    throw ValueError("array is too big; `arr.size * arr.dtype.itemsize` is larger than the maximum "
                     "possible size (shape " + shape_str(shape) + " for '" + std::string(what) + "')");
  if (bytes > memory_limit()) throw_out_of_memory(shape, dtype, what, bytes);
}

}  // namespace np
