// Private: a small RAII wrapper of the HDF5 C library for Keras's .h5 files.
// Every handle closes itself; every failure is an exception naming the file
// and the object (IOError for files that cannot be opened, ValueError for
// contents that do not fit Keras's layout). The serial HDF5 library is not
// thread-safe: callers hold hdf5_lock() for a whole save or load.
#pragma once
#include <hdf5.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "keraspp/np/array.h"

namespace keras::saving::h5 {

std::unique_lock<std::recursive_mutex> hdf5_lock();

// An owned hid_t closed with its kind's close function.
class Handle {
 public:
  using Closer = herr_t (*)(hid_t);
  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle();
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// A group (or the file's root group) with the path it was opened at.
class Group {
 public:
  Group(Handle handle, std::string file, std::string path, uint64_t file_size)
      : handle_(std::move(handle)), file_(std::move(file)), path_(std::move(path)), file_size_(file_size) {}
  hid_t id() const { return handle_.id(); }
  // "file 'm.h5', /model_weights/dense_1"
  std::string where(const std::string& child = "") const;

  bool has_attr(const std::string& name) const;
  bool has_child(const std::string& path) const;
  Group open_group(const std::string& name) const;
  Group create_group(const std::string& name) const;

  // A string attribute: a scalar, fixed- or variable-length.
  std::string read_string_attr(const std::string& name) const;
  // A list of strings: fixed- or variable-length, an empty float array
  // (h5py's np.array([])), or chunks name0, name1, ... (Keras's form of
  // attributes over 64 KB).
  std::vector<std::string> read_string_list_attr(const std::string& name) const;
  void write_string_attr(const std::string& name, const std::string& value) const;
  // Fixed-length byte strings as Keras 2 writes them (np.array of bytes),
  // split into name0, name1, ... when over HDF5's 64 KB header limit; an
  // empty list is an empty float64 array, as h5py stores np.array([]).
  void write_string_list_attr(const std::string& name, const std::vector<std::string>& values) const;

  // A dataset's shape (ValueError when `path` is not a dataset).
  std::vector<int64_t> dataset_shape(const std::string& path) const;
  // Reads a float dataset as float32 into an array of `expected` shape:
  // ValueError naming expected vs actual shape, and when the stored data
  // cannot hold that many values (never allocates what the file claims).
  np::Array read_dataset(const std::string& path, const std::vector<int64_t>& expected) const;
  // Writes a float32 array (creating intermediate groups of a/b:0 paths).
  void write_dataset(const std::string& path, const np::Array& value) const;

 private:
  Handle handle_;
  std::string file_, path_;
  uint64_t file_size_;
};

// Opens an existing file read-only: IOError "Unable to open file ..." for a
// missing file, a directory, or a file that is not HDF5 (truncated, corrupt).
Group open_file(const std::string& path);

// Writes a new file at `path` atomically: `write` fills the root group of a
// temporary file in the same directory, which is then renamed over `path`.
// On any exception the temporary file is removed and `path` is untouched.
void write_file_atomically(const std::string& path, const std::function<void(const Group&)>& write);

// An HDF5 file held in memory (the model.weights.h5 of a .keras archive),
// read-only; `name` names it in errors ("file 'm.keras', entry
// 'model.weights.h5'"). IOError when the bytes are not an HDF5 file.
Group open_image(const std::string& bytes, const std::string& name);
// A new HDF5 file built in memory: `write` fills its root group; returns the
// file's bytes.
std::string write_image(const std::string& name, const std::function<void(const Group&)>& write);

}  // namespace keras::saving::h5
