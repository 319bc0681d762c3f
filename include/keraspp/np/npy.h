// .npy / .npz files (numpy's formats).
#pragma once
#include <map>
#include <string>

#include "keraspp/np/array.h"

namespace np {

// Reads a .npy file (format 1.0-3.0, dtypes of np::DType in any byte order,
// C or Fortran order; the result is C order). IOError if missing (Python's
// "[Errno 2] No such file or directory: 'path'"), ValueError naming the file
// and the fault if malformed.
Array load(const std::string& path);
// Writes a .npy file atomically (temp file + rename: a failure leaves any
// previous file intact). As numpy, appends ".npy" to a path without it.
void save(const std::string& path, const Array& a);
// Reads every array of a .npz archive (stored or deflated entries), keyed by
// name without ".npy".
std::map<std::string, Array> load_npz(const std::string& path);
// Writes an .npz archive (stored entries, named "<key>.npy"), atomically.
// As numpy, appends ".npz" to a path without it.
void savez(const std::string& path, const std::map<std::string, Array>& arrays);
// As savez with deflated entries (zlib level 6), numpy.savez_compressed.
void savez_compressed(const std::string& path, const std::map<std::string, Array>& arrays);

}  // namespace np
