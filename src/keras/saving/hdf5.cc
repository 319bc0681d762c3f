// The HDF5 wrapper: handles, string attributes in every encoding Keras and
// h5py write, float datasets checked against the file before reading, and
// atomic writes (temporary file + rename).
#include "hdf5.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>

#include "keraspp/errors.h"

namespace keras::saving::h5 {

namespace fs = std::filesystem;

namespace {

// HDF5's object header limit, which Keras splits larger attributes under.
constexpr size_t kObjectHeaderLimit = 64512;
// A deflate stream expands at most ~1032x; a dataset claiming more values
// than that over its stored bytes does not fit the file.
constexpr uint64_t kMaxExpansion = 1100;

std::string shape_str(const std::vector<int64_t>& dims) {
  std::string s = "(";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + (dims.size() == 1 ? ",)" : ")");
}

Handle checked(hid_t id, Handle::Closer close, const std::string& what) {
  if (id < 0) throw keraspp::ValueError(what);
  return Handle(id, close);
}

void check(herr_t status, const std::string& what) {
  if (status < 0) throw keraspp::ValueError(what);
}

// Link creation that makes the groups of "a/b:0" paths on the way.
Handle intermediate_groups() {
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  return lcpl;
}

std::vector<int64_t> extent(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  if (rank < 0 || rank > H5S_MAX_RANK) return {-1};
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return std::vector<int64_t>(dims.begin(), dims.end());
}

}  // namespace

std::unique_lock<std::recursive_mutex> hdf5_lock() {
  static std::recursive_mutex mutex;
  std::unique_lock lock(mutex);
  static bool quiet = [] {
    // Errors become exceptions here; HDF5's own stack printing is noise.
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)quiet;
  return lock;
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    if (valid() && close_) close_(id_);
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

Handle::~Handle() {
  if (valid() && close_) close_(id_);
}

std::string Group::where(const std::string& child) const {
  std::string p = path_ == "/" ? "/" + child : (child.empty() ? path_ : path_ + "/" + child);
  return "file '" + file_ + "', " + p;
}

bool Group::has_attr(const std::string& name) const { return H5Aexists(id(), name.c_str()) > 0; }

bool Group::has_child(const std::string& path) const {
  // H5Lexists fails on a path whose intermediate links are missing: check each prefix.
  size_t pos = 0;
  while (true) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (H5Lexists(id(), prefix.c_str(), H5P_DEFAULT) <= 0) return false;
    if (pos == std::string::npos) return true;
  }
}

Group Group::open_group(const std::string& name) const {
  if (!has_child(name)) throw keraspp::ValueError(where(name) + ": no such group in the file");
  hid_t g = H5Gopen2(id(), name.c_str(), H5P_DEFAULT);
  return Group(checked(g, H5Gclose, where(name) + ": not a group"), file_,
               path_ == "/" ? "/" + name : path_ + "/" + name, file_size_);
}

Group Group::create_group(const std::string& name) const {
  Handle lcpl = intermediate_groups();
  hid_t g = H5Gcreate2(id(), name.c_str(), lcpl.id(), H5P_DEFAULT, H5P_DEFAULT);
  return Group(checked(g, H5Gclose, where(name) + ": cannot create the group"), file_,
               path_ == "/" ? "/" + name : path_ + "/" + name, file_size_);
}

// ---- string attributes -------------------------------------------------------------

namespace {

// The strings of an open string attribute (fixed or variable length).
std::vector<std::string> read_strings(hid_t attr, hid_t type, hid_t space, uint64_t file_size,
                                      const std::string& what) {
  const hssize_t n = H5Sget_simple_extent_npoints(space);
  if (n < 0 || static_cast<uint64_t>(n) > file_size)
    throw keraspp::ValueError(what + ": the attribute's element count does not fit the file");
  std::vector<std::string> out;
  if (n == 0) return out;
  if (H5Tis_variable_str(type) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mem.id(), H5T_VARIABLE);
    H5Tset_cset(mem.id(), H5Tget_cset(type));
    std::vector<char*> ptrs(static_cast<size_t>(n), nullptr);
    check(H5Aread(attr, mem.id(), ptrs.data()), what + ": cannot read the variable-length strings");
    for (char* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mem.id(), space, H5P_DEFAULT, ptrs.data());
    return out;
  }
  const size_t size = H5Tget_size(type);
  if (size == 0 || static_cast<uint64_t>(size) * static_cast<uint64_t>(n) > file_size)
    throw keraspp::ValueError(what + ": the attribute's size does not fit the file");
  Handle mem(H5Tcopy(type), H5Tclose);
  std::vector<char> buf(size * static_cast<size_t>(n));
  check(H5Aread(attr, mem.id(), buf.data()), what + ": cannot read the fixed-length strings");
  for (hssize_t i = 0; i < n; ++i) {
    const char* p = buf.data() + static_cast<size_t>(i) * size;
    size_t len = 0;
    while (len < size && p[len] != '\0') ++len;
    // NULLPAD / NULLTERM stop at the first NUL; SPACEPAD strings are trimmed.
    if (H5Tget_strpad(type) == H5T_STR_SPACEPAD)
      while (len > 0 && p[len - 1] == ' ') --len;
    out.emplace_back(p, len);
  }
  return out;
}

}  // namespace

std::vector<std::string> Group::read_string_list_attr(const std::string& name) const {
  if (!has_attr(name)) {
    // Keras's chunks of attributes over 64 KB: name0, name1, ...
    if (!has_attr(name + "0")) throw keraspp::ValueError(where() + ": missing attribute '" + name + "'");
    std::vector<std::string> all;
    for (int i = 0; has_attr(name + std::to_string(i)); ++i) {
      std::vector<std::string> part = read_string_list_attr(name + std::to_string(i));
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }
  const std::string what = where() + ", attribute '" + name + "'";
  Handle attr = checked(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose, what + ": cannot open");
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  Handle space(H5Aget_space(attr.id()), H5Sclose);
  const H5T_class_t cls = H5Tget_class(type.id());
  if (cls == H5T_STRING) return read_strings(attr.id(), type.id(), space.id(), file_size_, what);
  // h5py stores an empty list (np.array([])) as an empty float64 array.
  if ((cls == H5T_FLOAT || cls == H5T_INTEGER) && H5Sget_simple_extent_npoints(space.id()) == 0) return {};
  throw keraspp::ValueError(what + ": expected a list of strings");
}

std::string Group::read_string_attr(const std::string& name) const {
  const std::string what = where() + ", attribute '" + name + "'";
  if (!has_attr(name)) throw keraspp::ValueError(where() + ": missing attribute '" + name + "'");
  Handle attr = checked(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose, what + ": cannot open");
  Handle type(H5Aget_type(attr.id()), H5Tclose);
  Handle space(H5Aget_space(attr.id()), H5Sclose);
  if (H5Tget_class(type.id()) != H5T_STRING) throw keraspp::ValueError(what + ": expected a string");
  std::vector<std::string> s = read_strings(attr.id(), type.id(), space.id(), file_size_, what);
  if (s.size() != 1) throw keraspp::ValueError(what + ": expected one string, found " + std::to_string(s.size()));
  return s[0];
}

void Group::write_string_attr(const std::string& name, const std::string& value) const {
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), std::max<size_t>(value.size(), 1));
  H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  const std::string what = where() + ", attribute '" + name + "'";
  Handle attr = checked(H5Acreate2(id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
                        H5Aclose, what + ": cannot create");
  std::string padded = value.empty() ? std::string(1, '\0') : value;
  check(H5Awrite(attr.id(), type.id(), padded.data()), what + ": cannot write");
}

void Group::write_string_list_attr(const std::string& name, const std::vector<std::string>& values) const {
  const std::string what = where() + ", attribute '" + name + "'";
  if (values.empty()) {
    const hsize_t zero = 0;
    Handle space(H5Screate_simple(1, &zero, nullptr), H5Sclose);
    checked(H5Acreate2(id(), name.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT),
            H5Aclose, what + ": cannot create");
    return;
  }
  size_t itemsize = 1;
  for (const std::string& v : values) itemsize = std::max(itemsize, v.size());
  // Keras's split: the fewest equal chunks (numpy array_split) under the limit.
  size_t chunks = (values.size() * itemsize + kObjectHeaderLimit - 1) / kObjectHeaderLimit;
  while (((values.size() + chunks - 1) / chunks) * itemsize > kObjectHeaderLimit) ++chunks;
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), itemsize);
  H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
  size_t begin = 0;
  for (size_t c = 0; c < chunks; ++c) {
    // array_split: the first (n % chunks) chunks get one more element.
    const size_t count = values.size() / chunks + (c < values.size() % chunks ? 1 : 0);
    std::vector<char> buf(count * itemsize, '\0');
    for (size_t i = 0; i < count; ++i) values[begin + i].copy(buf.data() + i * itemsize, itemsize);
    const hsize_t dim = count;
    Handle space(H5Screate_simple(1, &dim, nullptr), H5Sclose);
    const std::string attr_name = chunks == 1 ? name : name + std::to_string(c);
    Handle attr = checked(H5Acreate2(id(), attr_name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT),
                          H5Aclose, what + ": cannot create");
    check(H5Awrite(attr.id(), type.id(), buf.data()), what + ": cannot write");
    begin += count;
  }
}

// ---- datasets ----------------------------------------------------------------------

std::vector<int64_t> Group::dataset_shape(const std::string& path) const {
  if (!has_child(path)) throw keraspp::ValueError(where(path) + ": no such dataset in the file");
  Handle ds = checked(H5Dopen2(id(), path.c_str(), H5P_DEFAULT), H5Dclose, where(path) + ": not a dataset");
  Handle space(H5Dget_space(ds.id()), H5Sclose);
  std::vector<int64_t> dims = extent(space.id());
  if (!dims.empty() && dims[0] < 0) throw keraspp::ValueError(where(path) + ": unreadable dataspace");
  return dims;
}

np::Array Group::read_dataset(const std::string& path, const std::vector<int64_t>& expected) const {
  const std::string what = where(path);
  const std::vector<int64_t> dims = dataset_shape(path);
  if (dims != expected)
    throw keraspp::ValueError(what + ": the stored shape " + shape_str(dims) + " is not the expected " +
                              shape_str(expected));
  Handle ds = checked(H5Dopen2(id(), path.c_str(), H5P_DEFAULT), H5Dclose, what + ": not a dataset");
  Handle type(H5Dget_type(ds.id()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.id());
  if (cls != H5T_FLOAT && cls != H5T_INTEGER)
    throw keraspp::ValueError(what + ": expected a numeric dataset");
  uint64_t count = 1;
  for (int64_t d : dims) count *= static_cast<uint64_t>(d);
  const uint64_t claimed = count * H5Tget_size(type.id());
  const uint64_t stored = H5Dget_storage_size(ds.id());
  if (claimed > 0 && (stored == 0 || claimed > stored * kMaxExpansion || stored > file_size_))
    throw keraspp::ValueError(what + ": the dataset claims " + std::to_string(claimed) +
                              " bytes but stores " + std::to_string(stored) + " (truncated or corrupt file)");
  np::Array out = np::Array::empty(np::Shape(dims.begin(), dims.end()), np::float32);
  if (count > 0)
    check(H5Dread(ds.id(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data<float>()),
          what + ": cannot read the data (truncated or corrupt file)");
  return out;
}

void Group::write_dataset(const std::string& path, const np::Array& value) const {
  const std::string what = where(path);
  const np::Array plain = value.to_plain();
  // float64 and int64 (Keras 3's optimizer iteration) are kept; anything else is float32.
  const bool f64 = plain.dtype() == np::float64, i64 = plain.dtype() == np::int64;
  const np::Array data = f64 || i64 || plain.dtype() == np::float32 ? plain : plain.astype(np::float32);
  const hid_t file_type = f64 ? H5T_IEEE_F64LE : i64 ? H5T_STD_I64LE : H5T_IEEE_F32LE;
  const hid_t memory_type = f64 ? H5T_NATIVE_DOUBLE : i64 ? H5T_NATIVE_INT64 : H5T_NATIVE_FLOAT;
  std::vector<hsize_t> dims(data.shape().begin(), data.shape().end());
  Handle space(dims.empty() ? H5Screate(H5S_SCALAR) : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
               H5Sclose);
  Handle lcpl = intermediate_groups();
  Handle ds = checked(H5Dcreate2(id(), path.c_str(), file_type, space.id(), lcpl.id(), H5P_DEFAULT, H5P_DEFAULT),
                      H5Dclose, what + ": cannot create the dataset");
  if (data.size() > 0)
    check(H5Dwrite(ds.id(), memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.raw_data()),
          what + ": cannot write the dataset");
}

// ---- files -------------------------------------------------------------------------

Group open_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st))
    throw keraspp::IOError("Unable to open file (unable to open file: name = '" + path +
                           "', error message = 'No such file or directory')");
  if (fs::is_directory(st))
    throw keraspp::IOError("Unable to open file (unable to open file: name = '" + path +
                           "', error message = 'Is a directory')");
  const uint64_t size = fs::file_size(path, ec);
  if (ec || H5Fis_hdf5(path.c_str()) <= 0)
    throw keraspp::IOError("Unable to open file (file signature not found: name = '" + path +
                           "' is not an HDF5 file)");
  Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid())
    throw keraspp::IOError("Unable to open file (name = '" + path + "': truncated or corrupt HDF5 file)");
  hid_t root = H5Gopen2(file.id(), "/", H5P_DEFAULT);
  if (root < 0) throw keraspp::IOError("Unable to open file (name = '" + path + "': no root group)");
  // The root group keeps the file open (HDF5's weak close degree).
  return Group(Handle(root, H5Gclose), path, "/", size);
}

void write_file_atomically(const std::string& path, const std::function<void(const Group&)>& write) {
  const fs::path target(path);
  std::error_code ec;
  if (fs::is_directory(target, ec))
    throw keraspp::IOError("Unable to create file (name = '" + path + "': is a directory)");
  static std::atomic<uint64_t> counter{0};
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path tmp = dir / ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()) + "_" +
                              std::to_string(counter++));
  // The file is built in memory and written with plain writes: HDF5 itself
  // never writes to disk, because after a failed disk write (a full disk)
  // libhdf5 keeps the file half-closed and crashes closing it again at exit.
  const std::string bytes = write_image(path, write);
  try {
    {
      const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (fd < 0)
        throw keraspp::IOError("Unable to create file (unable to open file: name = '" + path +
                               "', the directory does not exist or is not writable)");
      size_t done = 0;
      while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
          const std::string why = n < 0 ? std::strerror(errno) : "no space left";
          ::close(fd);
          throw keraspp::IOError("Unable to write file '" + path + "': " + why);
        }
        done += static_cast<size_t>(n);
      }
      const bool synced = ::fsync(fd) == 0;
      if (::close(fd) != 0 || !synced) throw keraspp::IOError("Unable to write file '" + path + "'");
    }
    // The data reached the disk (fsync above) before the rename makes it the file.
    fs::rename(tmp, target);
  } catch (const fs::filesystem_error& e) {
    fs::remove(tmp, ec);
    throw keraspp::IOError("Unable to write file '" + path + "': " + e.what());
  } catch (...) {
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace keras::saving::h5
