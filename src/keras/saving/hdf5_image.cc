// HDF5 files held in memory (the core driver with a file image): a .keras
// archive's model.weights.h5 is read and written without temporary files.
#include <atomic>

#include "hdf5.h"
#include "keraspp/errors.h"

namespace keras::saving::h5 {

namespace {

// HDF5 keys open files by name, even in memory: each image gets its own.
std::string unique_name(const std::string& name) {
  static std::atomic<uint64_t> counter{0};
  return name + "#image" + std::to_string(counter++);
}

Handle core_access(size_t increment) {
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (!fapl.valid() || H5Pset_fapl_core(fapl.id(), increment, /*backing_store=*/false) < 0)
    throw keraspp::IOError("HDF5: cannot set up an in-memory file");
  return fapl;
}

}  // namespace

Group open_image(const std::string& bytes, const std::string& name) {
  const std::string what = "Unable to open file (" + name;
  // The superblock signature, checked before HDF5 parses anything.
  static const std::string kSignature("\x89HDF\r\n\x1a\n", 8);
  if (bytes.size() < kSignature.size() || bytes.compare(0, kSignature.size(), kSignature) != 0)
    throw keraspp::IOError(what + ": file signature not found, not an HDF5 file)");
  Handle fapl = core_access(64 * 1024);
  if (H5Pset_file_image(fapl.id(), const_cast<char*>(bytes.data()), bytes.size()) < 0)
    throw keraspp::IOError(what + ": cannot read the HDF5 image)");
  Handle file(H5Fopen(unique_name(name).c_str(), H5F_ACC_RDONLY, fapl.id()), H5Fclose);
  if (!file.valid()) throw keraspp::IOError(what + ": truncated or corrupt HDF5 file)");
  hid_t root = H5Gopen2(file.id(), "/", H5P_DEFAULT);
  if (root < 0) throw keraspp::IOError(what + ": no root group)");
  // The root group keeps the file open (HDF5's weak close degree).
  return Group(Handle(root, H5Gclose), name, "/", bytes.size());
}

std::string write_image(const std::string& name, const std::function<void(const Group&)>& write) {
  Handle fapl = core_access(1024 * 1024);
  Handle file(H5Fcreate(unique_name(name).c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.id()), H5Fclose);
  if (!file.valid()) throw keraspp::IOError("Unable to create file (" + name + ": in-memory HDF5 file)");
  {
    Group root(Handle(H5Gopen2(file.id(), "/", H5P_DEFAULT), H5Gclose), name, "/", UINT64_MAX);
    write(root);
  }
  if (H5Fflush(file.id(), H5F_SCOPE_GLOBAL) < 0) throw keraspp::IOError("Unable to write file (" + name + ")");
  const ssize_t size = H5Fget_file_image(file.id(), nullptr, 0);
  if (size < 0) throw keraspp::IOError("Unable to write file (" + name + "): cannot read the HDF5 image");
  std::string bytes(static_cast<size_t>(size), '\0');
  if (H5Fget_file_image(file.id(), bytes.data(), bytes.size()) != size)
    throw keraspp::IOError("Unable to write file (" + name + "): cannot read the HDF5 image");
  return bytes;
}

}  // namespace keras::saving::h5
