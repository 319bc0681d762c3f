// IDX files (the MNIST format), gzipped or not.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "keraspp/np/array.h"

namespace keraspp::io {

// Reads an IDX file; gzip is detected from the content. Element type from the
// header (0x08 uint8, 0x0D float32, 0x0B int16 -> int32, 0x0C int32, 0x0E float64).
// IOError naming the file if missing; ValueError naming the file and the
// problem if the magic number is wrong or the file is truncated.
np::Array read_idx(const std::string& path);
// Writes an IDX file (gzipped when gzip is true), atomically.
void write_idx(const std::string& path, const np::Array& a, bool gzip);
// Whole file contents, gunzipped if gzipped.
std::string read_maybe_gzipped(const std::string& path);

// ---- lower-level pieces, for readers with their own checks (MNIST) ----------

// Parses IDX content already in memory; `name` is used in error messages.
// Also accepts 0x09 (int8 -> int32), which the format defines.
np::Array parse_idx(std::string_view bytes, const std::string& name);
// The first 4 bytes as a big-endian number (the "magic number" of MNIST's
// readers: 2049 for label files, 2051 for image files); ValueError naming
// `name` if there are fewer than 4 bytes.
uint32_t idx_magic(std::string_view bytes, const std::string& name);
// Writes `bytes` to `path` atomically: a temporary file in the same folder,
// then rename, so a failure never leaves a half-written file at `path`.
void write_file_atomic(const std::string& path, std::string_view bytes);
// True when `path` names an existing regular file (or a link to one).
bool is_regular_file(const std::string& path);

}  // namespace keraspp::io
