// IDX (the MNIST format): a 4-byte magic number [0, 0, type code, ndim], ndim
// big-endian uint32 dimensions, then the elements big-endian in C order.
#include "keraspp/io/idx.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

#include "keraspp/errors.h"
#include "keraspp/np/memory_limit.h"

namespace keraspp::io {

namespace {

// Type codes of the IDX format.
enum : uint8_t {
  kUint8 = 0x08,
  kInt8 = 0x09,
  kInt16 = 0x0B,
  kInt32 = 0x0C,
  kFloat32 = 0x0D,
  kFloat64 = 0x0E,
};

// Bytes per element of a type code; 0 for an unknown code.
size_t code_size(uint8_t code) {
  switch (code) {
    case kUint8:
    case kInt8: return 1;
    case kInt16: return 2;
    case kInt32:
    case kFloat32: return 4;
    case kFloat64: return 8;
  }
  return 0;
}

uint32_t be32(const unsigned char* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | p[3];
}
uint64_t be64(const unsigned char* p) {
  return (static_cast<uint64_t>(be32(p)) << 32) | be32(p + 4);
}
void put_be32(std::string& out, uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  out.append(b, 4);
}
void put_be64(std::string& out, uint64_t v) {
  put_be32(out, static_cast<uint32_t>(v >> 32));
  put_be32(out, static_cast<uint32_t>(v));
}

[[noreturn]] void throw_truncated(const std::string& name, const std::string& what,
                                  uint64_t expected, uint64_t actual) {
  throw ValueError("Truncated IDX file " + name + ": expected " + std::to_string(expected) +
                   " bytes" + what + ", got " + std::to_string(actual));
}

// Big-endian elements of code `code` into the array's (native) elements.
void decode(const unsigned char* src, uint8_t code, const np::Array& out) {
  const int64_t n = out.size();
  switch (code) {
    case kUint8: {
      if (n) std::memcpy(out.data<uint8_t>(), src, static_cast<size_t>(n));
      return;
    }
    case kInt8: {
      int32_t* d = out.data<int32_t>();
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<int8_t>(src[i]);
      return;
    }
    case kInt16: {
      int32_t* d = out.data<int32_t>();
      for (int64_t i = 0; i < n; ++i)
        d[i] = static_cast<int16_t>((src[2 * i] << 8) | src[2 * i + 1]);
      return;
    }
    case kInt32: {
      int32_t* d = out.data<int32_t>();
      for (int64_t i = 0; i < n; ++i) d[i] = static_cast<int32_t>(be32(src + 4 * i));
      return;
    }
    case kFloat32: {
      float* d = out.data<float>();
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t bits = be32(src + 4 * i);
        std::memcpy(&d[i], &bits, 4);
      }
      return;
    }
    case kFloat64: {
      double* d = out.data<double>();
      for (int64_t i = 0; i < n; ++i) {
        const uint64_t bits = be64(src + 8 * i);
        std::memcpy(&d[i], &bits, 8);
      }
      return;
    }
  }
}

np::DType code_dtype(uint8_t code) {
  switch (code) {
    case kUint8: return np::uint8;
    case kFloat32: return np::float32;
    case kFloat64: return np::float64;
    default: return np::int32;  // int8, int16, int32: np has no narrower signed type
  }
}

}  // namespace

uint32_t idx_magic(std::string_view bytes, const std::string& name) {
  if (bytes.size() < 4) throw_truncated(name, " of header", 4, bytes.size());
  return be32(reinterpret_cast<const unsigned char*>(bytes.data()));
}

np::Array parse_idx(std::string_view bytes, const std::string& name) {
  const uint32_t magic = idx_magic(bytes, name);
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint8_t code = p[2];
  const size_t esize = code_size(code);
  if (p[0] != 0 || p[1] != 0 || esize == 0)
    throw ValueError("Invalid magic number " + std::to_string(magic) + " in MNIST file " + name);
  const size_t ndim = p[3];
  const size_t header = 4 + 4 * ndim;
  if (bytes.size() < header) throw_truncated(name, " of header", header, bytes.size());

  np::Shape shape(ndim);
  // The element count can overflow on a corrupt header; it is computed in a
  // type that cannot (each dimension < 2^32, checked after each). As numpy,
  // the nonzero dims' product must fit even when a zero dim empties the array.
  unsigned __int128 nonzero = 1;
  bool empty = false;
  for (size_t d = 0; d < ndim; ++d) {
    shape[d] = be32(p + 4 + 4 * d);
    if (shape[d] == 0) empty = true;
    else nonzero *= static_cast<uint64_t>(shape[d]);
    if (nonzero * esize > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      throw ValueError("Invalid IDX file " + name + ": its dimensions overflow 64 bits");
  }
  const uint64_t expected = empty ? 0 : static_cast<uint64_t>(nonzero) * esize;
  const uint64_t actual = bytes.size() - header;
  // Extra bytes after the data are ignored, as MNIST's readers do.
  if (actual < expected)
    throw_truncated(name, " of data for shape " + np::shape_str(shape), expected, actual);

  np::check_allocation(shape, code_dtype(code), name);
  np::Array out = np::Array::empty(shape, code_dtype(code));
  decode(p + header, code, out);
  return out;
}

np::Array read_idx(const std::string& path) { return parse_idx(read_maybe_gzipped(path), path); }

void write_idx(const std::string& path, const np::Array& a, bool gzip) {
  if (a.ndim() > 255)
    throw ValueError("IDX files hold at most 255 dimensions, got " + std::to_string(a.ndim()));
  for (int64_t d : a.shape())
    if (d > std::numeric_limits<uint32_t>::max())
      throw ValueError("IDX dimensions must fit in 32 bits, got shape " + np::shape_str(a.shape()));
  const int64_t n = a.size();

  // IDX has no int64 or bool: bool goes out as uint8 (0/1), int64 as int32
  // when every value fits, so labels made as int64 can still be written.
  uint8_t code = 0;
  switch (a.dtype()) {
    case np::DType::uint8:
    case np::DType::bool_: code = kUint8; break;
    case np::DType::int32: code = kInt32; break;
    case np::DType::float32: code = kFloat32; break;
    case np::DType::float64: code = kFloat64; break;
    case np::DType::int64: {
      const int64_t* v = a.data<int64_t>();
      for (int64_t i = 0; i < n; ++i)
        if (v[i] < std::numeric_limits<int32_t>::min() || v[i] > std::numeric_limits<int32_t>::max())
          throw ValueError("IDX has no int64 type and value " + std::to_string(v[i]) +
                           " does not fit in int32");
      code = kInt32;
      break;
    }
  }

  std::string out;
  out.reserve(4 + 4 * a.shape().size() + static_cast<size_t>(n) * code_size(code));
  out.push_back(0);
  out.push_back(0);
  out.push_back(static_cast<char>(code));
  out.push_back(static_cast<char>(a.ndim()));
  for (int64_t d : a.shape()) put_be32(out, static_cast<uint32_t>(d));
  switch (a.dtype()) {
    case np::DType::uint8:
      if (n) out.append(reinterpret_cast<const char*>(a.data<uint8_t>()), static_cast<size_t>(n));
      break;
    case np::DType::bool_:
      for (int64_t i = 0; i < n; ++i) out.push_back(a.data<bool>()[i] ? 1 : 0);
      break;
    case np::DType::int32:
      for (int64_t i = 0; i < n; ++i) put_be32(out, static_cast<uint32_t>(a.data<int32_t>()[i]));
      break;
    case np::DType::int64:
      for (int64_t i = 0; i < n; ++i) put_be32(out, static_cast<uint32_t>(a.data<int64_t>()[i]));
      break;
    case np::DType::float32:
      for (int64_t i = 0; i < n; ++i) {
        uint32_t bits;
        std::memcpy(&bits, &a.data<float>()[i], 4);
        put_be32(out, bits);
      }
      break;
    case np::DType::float64:
      for (int64_t i = 0; i < n; ++i) {
        uint64_t bits;
        std::memcpy(&bits, &a.data<double>()[i], 8);
        put_be64(out, bits);
      }
      break;
  }
  if (!gzip) return write_file_atomic(path, out);

  // gzip wrapper (windowBits 16+) so `zcat` and Python's gzip read it.
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
                   Z_DEFAULT_STRATEGY) != Z_OK)
    throw IOError("zlib could not be initialised to write " + path);
  std::string gz;
  size_t pos = 0;
  char buf[1 << 16];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    // avail_in is 32-bit: feed at most 1 GiB at a time, finish on the last.
    if (zs.avail_in == 0 && pos < out.size()) {
      const size_t chunk = std::min<size_t>(out.size() - pos, 1u << 30);
      zs.next_in = reinterpret_cast<Bytef*>(out.data() + pos);
      zs.avail_in = static_cast<uInt>(chunk);
      pos += chunk;
    }
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = deflate(&zs, pos >= out.size() ? Z_FINISH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&zs);
      throw IOError("zlib failed (" + std::to_string(rc) + ") compressing " + path);
    }
    gz.append(buf, sizeof buf - zs.avail_out);
  }
  deflateEnd(&zs);
  write_file_atomic(path, gz);
}

}  // namespace keraspp::io
