// .npy format internals shared by np::load/save and the .npz reader/writer.
#pragma once
#include <functional>
#include <string>

#include "keraspp/np/array.h"

namespace np::npy {

// Reads up to n bytes into dst; returns how many it read (fewer at the end).
using Source = std::function<size_t(void* dst, size_t n)>;
// Writes n bytes (reports failure its own way, e.g. a flag or an exception).
using Sink = std::function<void(const void* p, size_t n)>;

// ValueError "cannot load <where>: <what>"; `where` names the file (and entry).
[[noreturn]] void malformed(const std::string& where, const std::string& what);
// numpy's _MAX_HEADER_SIZE: longer headers are refused before being read.
inline constexpr uint32_t kMaxHeaderSize = 10000;
// Parses one .npy stream (versions 1.0-3.0; '<', '>', '|' byte orders;
// C or Fortran order) into a new C-order array. `available`: the stream's
// length in bytes (or an upper bound on it): data it cannot hold is
// "truncated" before anything is allocated for it.
Array read_npy(const Source& read, const std::string& where,
               uint64_t available = UINT64_MAX);
// The header block: magic, version, length and the dict padded with spaces
// and '\n' to a multiple of 64 bytes, byte-identical to numpy's.
std::string npy_header(const Array& a);
// Header then the raw little-endian data.
void write_npy(const Sink& write, const Array& a);

}  // namespace np::npy
