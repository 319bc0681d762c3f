// np::load/save (.npy files) and load_npz/savez (zips of .npy entries).
// Reads feed npy::read_npy from a FILE or a zip entry so arrays stream
// straight into their buffers; writes are atomic: a temp
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

#include "npy_format.h"

namespace np {

using npy::malformed;

namespace {

// Python's OSError text: "[Errno 2] No such file or directory: 'path'".
std::string errno_text(int err, const std::string& path) {
  return "[Errno " + std::to_string(err) + "] " + std::strerror(err) + ": '" + path + "'";
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
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

// Python's zipfile rule for the end of a zip: an end-of-central-directory
// record whose comment ends exactly at the end of the file, so a cut archive
// is refused whole. Returns its entry count (0 for an empty archive, whose
// central directory must then be empty too).
uint64_t check_zip_end(FILE* f, const std::string& where) {
  constexpr long kRecord = 22, kMaxComment = 0xffff;  // bytes
  if (std::fseek(f, 0, SEEK_END) != 0) malformed(where, "not a zip archive (.npz)");
  const long size = std::ftell(f);
  const long tail_len = std::min(size, kRecord + kMaxComment);
  std::string tail(static_cast<size_t>(std::max(tail_len, 0L)), '\0');
  if (tail_len < kRecord || std::fseek(f, size - tail_len, SEEK_SET) != 0 ||
      std::fread(tail.data(), 1, tail.size(), f) != tail.size())
    malformed(where, "not a zip archive (.npz), or it is truncated");
  auto u16 = [&](size_t at) {
    return static_cast<unsigned>(static_cast<unsigned char>(tail[at])) |
           static_cast<unsigned>(static_cast<unsigned char>(tail[at + 1])) << 8;
  };
  for (size_t at = tail.size() - static_cast<size_t>(kRecord) + 1; at-- > 0;) {
    if (tail.compare(at, 4, "PK\x05\x06") != 0) continue;
    if (at + static_cast<size_t>(kRecord) + u16(at + 20) != tail.size()) continue;
    const uint64_t entries = u16(at + 10);
    const bool empty_dir = u16(at + 12) == 0 && u16(at + 14) == 0;
    if (entries == 0 && !empty_dir) malformed(where, "corrupt zip end record");
    return entries;
  }
  malformed(where, "not a zip archive (.npz), or it is truncated (no end-of-archive record)");
}

// The name in the current entry's local header (before its data), which
// Python's zipfile requires to equal the directory's: names are outside the
// CRC, so this is what catches a damaged name.
std::string local_name(unzFile uf, FILE* f, size_t name_len, const std::string& entry) {
  const int extra = unzGetLocalExtrafield(uf, nullptr, 0);
  const ZPOS64_T data_pos = unzGetCurrentFileZStreamPos64(uf);
  if (extra < 0 || data_pos < name_len + static_cast<ZPOS64_T>(extra))
    malformed(entry, "corrupt local header");
  std::string name(name_len, '\0');
  if (::fseeko(f, static_cast<off_t>(data_pos - static_cast<ZPOS64_T>(extra) - name_len), SEEK_SET) != 0 ||
      std::fread(name.data(), 1, name_len, f) != name_len)
    malformed(entry, "corrupt local header");
  return name;
}

// Reads the current entry of `uf` as .npy, then to its end, so the CRC is
// always checked (minizip checks it only at the end of the entry). The data
// an entry may hold is bounded by its sizes (deflate expands at most 1032:1),
// so a header claiming more is truncated before anything is allocated.
Array read_npz_entry(unzFile uf, FILE* f, const unz_file_info64& info, const std::string& key,
                     const std::string& entry) {
  if (unzOpenCurrentFile(uf) != UNZ_OK) malformed(entry, "cannot open the zip entry");
  struct EntryCloser {
    unzFile uf;
    bool open = true;
    ~EntryCloser() {
      if (open) unzCloseCurrentFile(uf);
    }
  } closer{uf};
  if (local_name(uf, f, key.size(), entry) != key)
    malformed(entry, "the file name in the directory and in the local header differ");
  auto read = [&](void* dst, size_t n) {
    size_t done = 0;
    while (done < n) {  // unzReadCurrentFile takes an unsigned chunk size
      const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - done, 1u << 30));
      const int r = unzReadCurrentFile(uf, static_cast<char*>(dst) + done, chunk);
      if (r < 0) malformed(entry, "corrupt compressed data (zip error " + std::to_string(r) + ")");
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  };
  uint64_t bound = info.uncompressed_size;
  if (info.compression_method == 0) bound = std::min<uint64_t>(bound, info.compressed_size);
  else if (info.compressed_size < UINT64_MAX / 1032)
    bound = std::min<uint64_t>(bound, info.compressed_size * 1032 + 1024);
  Array a = npy::read_npy(read, entry, bound);
  char rest[4096];
  while (read(rest, sizeof rest) > 0) {
  }
  closer.open = false;
  if (unzCloseCurrentFile(uf) == UNZ_CRCERROR) malformed(entry, "CRC check failed");
  return a;
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
  struct stat st {};
  const uint64_t size = ::fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)
                            ? static_cast<uint64_t>(st.st_size)
                            : UINT64_MAX;
  return npy::read_npy([f](void* dst, size_t k) { return std::fread(dst, 1, k, f); },
                       "'" + path + "'", size);
}

void save(const std::string& path, const Array& a) {
  const std::string target = ends_with(path, ".npy") ? path : path + ".npy";
  atomic_write(target, [&](const std::string& tmp) {
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw IOError(errno_text(errno, target));
    bool ok = true;
    npy::write_npy([&](const void* p, size_t k) { ok = ok && std::fwrite(p, 1, k, f) == k; }, a);
    const int err = errno;
    if (std::fclose(f) != 0) ok = false;
    if (!ok) throw IOError(errno_text(err ? err : EIO, target));
  });
}

std::map<std::string, Array> load_npz(const std::string& path) {
  const std::string where = "'" + path + "'";
  {
    FILE* f = open_for_read(path);  // IOError with errno text if missing
    const uint64_t entries = check_zip_end(f, where);
    std::fclose(f);
    // minizip cannot open an archive whose end record is at offset 0 (it
    // reads that offset as "not found"): numpy's empty .npz is exactly that.
    if (entries == 0) return {};
  }
  unzFile uf = unzOpen64(path.c_str());
  if (!uf) malformed(where, "not a zip archive (.npz)");
  struct Closer {
    unzFile uf;
    ~Closer() { unzClose(uf); }
  } closer{uf};
  struct RawFile {  // a second handle for the local headers' names
    FILE* f;
    ~RawFile() { std::fclose(f); }
  } raw{open_for_read(path)};
  std::map<std::string, Array> out;
  int rc = unzGoToFirstFile(uf);
  for (; rc == UNZ_OK; rc = unzGoToNextFile(uf)) {
    unz_file_info64 info{};
    if (unzGetCurrentFileInfo64(uf, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK)
      malformed(where, "corrupt zip directory");
    std::string key(info.size_filename, '\0');  // names of any length, never cut
    if (unzGetCurrentFileInfo64(uf, &info, key.data(), static_cast<uLong>(key.size()), nullptr, 0,
                                nullptr, 0) != UNZ_OK)
      malformed(where, "corrupt zip directory");
    if (key.empty() || key.back() == '/') continue;  // directory entries
    const std::string entry = where + " entry '" + key + "'";
    Array a = read_npz_entry(uf, raw.f, info, key, entry);
    if (ends_with(key, ".npy")) key.resize(key.size() - 4);
    out[key] = a;
  }
  // Anything but the end of the directory is a cut or corrupt archive: no
  // array is silently left out.
  if (rc != UNZ_END_OF_LIST_OF_FILE) malformed(where, "corrupt or truncated zip directory");
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
      const std::string head = npy::npy_header(a);
      const int zip64 = head.size() + a.nbytes() >= 0xffffffffull ? 1 : 0;
      ok = zipOpenNewFileInZip64(zf, (key + ".npy").c_str(), &zi, nullptr, 0, nullptr, 0, nullptr,
                                 level ? Z_DEFLATED : 0, level, zip64) == ZIP_OK;
      if (!ok) break;
      npy::write_npy(
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