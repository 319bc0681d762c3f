// .npy (format 1.0/2.0/3.0) and .npz (zip of .npy) reading and writing.
// Reads go through one parser fed by a byte source (a FILE or a zip entry)
// so arrays stream straight into their buffers; writes are atomic: a temp
// file in the target's directory, renamed over the target on success.
#include "keraspp/np/npy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <minizip/unzip.h>
#include <minizip/zip.h>

namespace np {

namespace {

const char kMagic[] = "\x93NUMPY";  // 6 bytes, then major and minor version

// Python's OSError text: "[Errno 2] No such file or directory: 'path'".
std::string errno_text(int err, const std::string& path) {
  return "[Errno " + std::to_string(err) + "] " + std::strerror(err) + ": '" + path + "'";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string descr_of(DType t) {
  switch (t) {
    case DType::float32: return "<f4";
    case DType::float64: return "<f8";
    case DType::int32: return "<i4";
    case DType::int64: return "<i8";
    case DType::uint8: return "|u1";
    case DType::bool_: return "|b1";
  }
  return "?";
}

// Raised for anything wrong inside a file; `where` names the file (and entry).
[[noreturn]] void malformed(const std::string& where, const std::string& what) {
  throw ValueError("cannot load " + where + ": " + what);
}

struct Header {
  DType dtype = float32;
  bool swap = false;  // big-endian data on this little-endian host
  bool fortran = false;
  Shape shape;
};

// A reader of numpy's header: a Python dict literal with 'descr',
// 'fortran_order' and 'shape' in any order.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& where) : s_(text), where_(where) {}

  Header parse() {
    Header h;
    bool have_descr = false, have_fortran = false, have_shape = false;
    expect('{');
    while (true) {
      skip_ws();
      if (peek() == '}') break;
      const std::string key = string_lit();
      expect(':');
      skip_ws();
      if (key == "descr") {
        set_descr(string_lit(), h);
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran = bool_lit();
        have_fortran = true;
      } else if (key == "shape") {
        h.shape = tuple_lit();
        have_shape = true;
      } else {
        fail("unexpected key '" + key + "' in header");
      }
      skip_ws();
      if (peek() == ',') ++i_;
    }
    if (!have_descr || !have_fortran || !have_shape)
      fail("header does not contain the keys 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) { malformed(where_, what + ": " + s_); }
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t')) ++i_;
  }
  char peek() {
    if (i_ >= s_.size()) fail("header ends early");
    return s_[i_];
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) fail(std::string("expected '") + c + "' in header");
    ++i_;
  }
  std::string string_lit() {
    skip_ws();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string in header");
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) fail("unterminated string in header");
    std::string out = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return out;
  }
  bool bool_lit() {
    if (s_.compare(i_, 4, "True") == 0) return i_ += 4, true;
    if (s_.compare(i_, 5, "False") == 0) return i_ += 5, false;
    fail("fortran_order is not True or False");
  }
  Shape tuple_lit() {
    Shape shape;
    expect('(');
    while (true) {
      skip_ws();
      if (peek() == ')') break;
      size_t used = 0;
      long long v = 0;
      try {
        v = std::stoll(s_.substr(i_), &used);
      } catch (const std::exception&) {
        fail("shape is not a tuple of integers");
      }
      if (v < 0) fail("shape has a negative dimension");
      shape.push_back(v);
      i_ += used;
      if (peek() == 'L') ++i_;  // Python 2 longs: (3L, 4L)
      skip_ws();
      if (peek() == ',') ++i_;
    }
    ++i_;
    return shape;
  }
  void set_descr(const std::string& d, Header& h) {
    if (d.size() != 3 || (d[0] != '<' && d[0] != '>' && d[0] != '|' && d[0] != '='))
      fail("unsupported dtype descr '" + d + "'");
    const std::string code = d.substr(1);
    if (code == "f4") h.dtype = float32;
    else if (code == "f8") h.dtype = float64;
    else if (code == "i4") h.dtype = int32;
    else if (code == "i8") h.dtype = int64;
    else if (code == "u1") h.dtype = uint8;
    else if (code == "b1") h.dtype = bool_;
    else fail("unsupported dtype descr '" + d + "'");
    h.swap = d[0] == '>' && itemsize(h.dtype) > 1;
  }

  const std::string& s_;
  const std::string& where_;
  size_t i_ = 0;
};

// Reads up to n bytes into dst; returns how many it read.
using Source = std::function<size_t(void* dst, size_t n)>;

uint32_t le(const unsigned char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Copies `src` (C-order data of the reversed shape) into C order of `shape`:
// Fortran-ordered files store the transpose's memory layout.
Array from_fortran(const Array& src, const Shape& shape) {
  Array out = Array::empty(shape, src.dtype());
  const int nd = static_cast<int>(shape.size());
  const size_t isz = itemsize(src.dtype());
  std::vector<int64_t> fstride(nd, 1), idx(nd, 0);
  for (int d = 1; d < nd; ++d) fstride[d] = fstride[d - 1] * shape[d - 1];
  const char* in = static_cast<const char*>(src.raw_data());
  char* o = static_cast<char*>(out.raw_data());
  for (int64_t flat = 0; flat < out.size(); ++flat) {
    int64_t f = 0;
    for (int d = 0; d < nd; ++d) f += idx[d] * fstride[d];
    std::memcpy(o + flat * isz, in + f * isz, isz);
    for (int d = nd - 1; d >= 0 && ++idx[d] == shape[d]; --d) idx[d] = 0;
  }
  return out;
}

Array read_npy(const Source& read, const std::string& where) {
  unsigned char pre[12];
  if (read(pre, 8) != 8 || std::memcmp(pre, kMagic, 6) != 0)
    malformed(where, "not a .npy file (the magic string is not correct)");
  const int major = pre[6];
  if (major < 1 || major > 3)
    malformed(where, "unsupported .npy format version " + std::to_string(major) + "." +
                         std::to_string(pre[7]));
  const int len_bytes = major == 1 ? 2 : 4;
  if (read(pre + 8, len_bytes) != static_cast<size_t>(len_bytes)) malformed(where, "header is truncated");
  const uint32_t hlen = le(pre + 8, len_bytes);
  std::string text(hlen, '\0');
  if (read(text.data(), hlen) != hlen) malformed(where, "header is truncated");
  const Header h = HeaderParser(text, where).parse();

  Shape mem_shape = h.shape;
  if (h.fortran) std::reverse(mem_shape.begin(), mem_shape.end());
  Array a = Array::empty(mem_shape, h.dtype);
  const size_t got = a.nbytes() ? read(a.raw_data(), a.nbytes()) : 0;
  if (got != a.nbytes())
    malformed(where, "data is truncated: shape " + shape_str(h.shape) + " needs " +
                         std::to_string(a.nbytes()) + " bytes, found " + std::to_string(got));
  if (h.swap) {
    const size_t isz = itemsize(h.dtype);
    auto* p = static_cast<unsigned char*>(a.raw_data());
    for (size_t i = 0; i < a.nbytes(); i += isz) std::reverse(p + i, p + i + isz);
  }
  if (h.dtype == bool_) {  // any nonzero byte is True; a bool must hold 0 or 1
    auto* p = static_cast<unsigned char*>(a.raw_data());
    for (size_t i = 0; i < a.nbytes(); ++i) p[i] = p[i] != 0;
  }
  if (h.fortran && a.ndim() > 1) return from_fortran(a, h.shape);
  return a;
}

// The header block (magic, version, length, dict padded to 64 bytes with '\n').
std::string npy_header(const Array& a) {
  std::string dict = "{'descr': '" + descr_of(a.dtype()) +
                     "', 'fortran_order': False, 'shape': " + shape_str(a.shape()) + ", }";
  const bool v2 = dict.size() + 1 + 10 > 65535;
  const size_t pre = v2 ? 12 : 10;
  const size_t total = (pre + dict.size() + 1 + 63) / 64 * 64;
  dict += std::string(total - pre - dict.size() - 1, ' ') + "\n";
  std::string out(kMagic, 6);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  const uint32_t n = static_cast<uint32_t>(dict.size());
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + dict;
}

using Sink = std::function<void(const void* p, size_t n)>;

void write_npy(const Sink& write, const Array& a) {
  const std::string head = npy_header(a);
  write(head.data(), head.size());
  if (a.nbytes()) write(a.raw_data(), a.nbytes());
}

// Runs `fill(tmp_path)` to write a temp file beside `path`, then renames it
// over `path`. On any failure the temp file is removed and `path` untouched.
void atomic_write(const std::string& path, const std::function<void(const std::string&)>& fill) {
  std::string tmpl = path + ".tmpXXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) throw IOError(errno_text(errno, path));
  // mkstemp creates 0600: keep the mode of the file being replaced, else the
  // usual 0644 of a data file.
  struct stat st {};
  ::fchmod(fd, ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0644);
  ::close(fd);
  try {
    fill(tmpl);
    const int sync_fd = ::open(tmpl.c_str(), O_RDONLY);
    if (sync_fd >= 0) {  // the data must be on disk before the rename is
      ::fsync(sync_fd);
      ::close(sync_fd);
    }
    if (std::rename(tmpl.c_str(), path.c_str()) != 0) throw IOError(errno_text(errno, path));
  } catch (...) {
    std::remove(tmpl.c_str());
    throw;
  }
}

// Opens `path` for reading or throws IOError with Python's errno text.
FILE* open_for_read(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw IOError(errno_text(errno, path));
  struct stat st {};
  if (::fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    std::fclose(f);
    throw IOError(errno_text(EISDIR, path));
  }
  return f;
}

}  // namespace

Array load(const std::string& path) {
  FILE* f = open_for_read(path);
  struct Closer {
    FILE* f;
    ~Closer() { std::fclose(f); }
  } closer{f};
  char sig[4] = {};
  const size_t n = std::fread(sig, 1, 4, f);
  if (n == 4 && std::memcmp(sig, "PK\x03\x04", 4) == 0)
    malformed("'" + path + "'", "it is an .npz archive; use np::load_npz");
  std::rewind(f);
  return read_npy([f](void* dst, size_t k) { return std::fread(dst, 1, k, f); }, "'" + path + "'");
}

void save(const std::string& path, const Array& a) {
  const std::string target = ends_with(path, ".npy") ? path : path + ".npy";
  atomic_write(target, [&](const std::string& tmp) {
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw IOError(errno_text(errno, target));
    bool ok = true;
    write_npy([&](const void* p, size_t k) { ok = ok && std::fwrite(p, 1, k, f) == k; }, a);
    const int err = errno;
    if (std::fclose(f) != 0) ok = false;
    if (!ok) throw IOError(errno_text(err ? err : EIO, target));
  });
}

std::map<std::string, Array> load_npz(const std::string& path) {
  std::fclose(open_for_read(path));  // IOError with errno text if missing
  const std::string where = "'" + path + "'";
  unzFile uf = unzOpen64(path.c_str());
  if (!uf) malformed(where, "not a zip archive (.npz)");
  struct Closer {
    unzFile uf;
    ~Closer() { unzClose(uf); }
  } closer{uf};
  std::map<std::string, Array> out;
  for (int rc = unzGoToFirstFile(uf); rc == UNZ_OK; rc = unzGoToNextFile(uf)) {
    unz_file_info64 info{};
    char name[1024] = {};
    if (unzGetCurrentFileInfo64(uf, &info, name, sizeof name - 1, nullptr, 0, nullptr, 0) != UNZ_OK)
      malformed(where, "corrupt zip directory");
    std::string key = name;
    if (key.empty() || key.back() == '/') continue;  // directory entries
    const std::string entry = where + " entry '" + key + "'";
    if (unzOpenCurrentFile(uf) != UNZ_OK) malformed(entry, "cannot open the zip entry");
    Array a;
    try {
      a = read_npy(
          [&](void* dst, size_t n) {
            size_t done = 0;
            while (done < n) {  // unzReadCurrentFile takes an unsigned chunk size
              const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
              const int r = unzReadCurrentFile(uf, static_cast<char*>(dst) + done, chunk);
              if (r < 0) malformed(entry, "corrupt compressed data (zip error " + std::to_string(r) + ")");
              if (r == 0) break;
              done += static_cast<size_t>(r);
            }
            return done;
          },
          entry);
    } catch (...) {
      unzCloseCurrentFile(uf);
      throw;
    }
    if (unzCloseCurrentFile(uf) == UNZ_CRCERROR) malformed(entry, "CRC check failed");
    if (ends_with(key, ".npy")) key.resize(key.size() - 4);
    out[key] = a;
  }
  return out;
}

namespace {

// Writes an .npz; level 0 stores entries, 1-9 deflates them.
void write_npz(const std::string& path, const std::map<std::string, Array>& arrays, int level) {
  const std::string target = ends_with(path, ".npz") ? path : path + ".npz";
  atomic_write(target, [&](const std::string& tmp) {
    zipFile zf = zipOpen64(tmp.c_str(), APPEND_STATUS_CREATE);
    if (!zf) throw IOError(errno_text(errno ? errno : EIO, target));
    bool ok = true;
    for (const auto& [key, a] : arrays) {
      zip_fileinfo zi{};
      zi.tmz_date.tm_year = 1980;  // the earliest date a zip entry can carry
      zi.tmz_date.tm_mday = 1;
      const std::string head = npy_header(a);
      const int zip64 = head.size() + a.nbytes() >= 0xffffffffull ? 1 : 0;
      ok = zipOpenNewFileInZip64(zf, (key + ".npy").c_str(), &zi, nullptr, 0, nullptr, 0, nullptr,
                                 level ? Z_DEFLATED : 0, level, zip64) == ZIP_OK;
      if (!ok) break;
      write_npy(
          [&](const void* p, size_t n) {
            for (size_t done = 0; ok && done < n;) {
              const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
              ok = zipWriteInFileInZip(zf, static_cast<const char*>(p) + done, chunk) == ZIP_OK;
              done += chunk;
            }
          },
          a);
      ok = zipCloseFileInZip(zf) == ZIP_OK && ok;
      if (!ok) break;
    }
    ok = zipClose(zf, nullptr) == ZIP_OK && ok;
    if (!ok) throw IOError(errno_text(errno ? errno : EIO, target));
  });
}

}  // namespace

void savez(const std::string& path, const std::map<std::string, Array>& arrays) {
  write_npz(path, arrays, 0);  // stored, as np.savez
}

void savez_compressed(const std::string& path, const std::map<std::string, Array>& arrays) {
  write_npz(path, arrays, 6);  // zlib's default level, as Python's zipfile uses
}

}  // namespace np
