// Zip archives for .keras files (zip_archive.h).
#include "zip_archive.h"

#include <fcntl.h>
#include <minizip/unzip.h>
#include <minizip/zip.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>

#include "keraspp/errors.h"

namespace keras::saving::zip {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void corrupt(const std::string& where, const std::string& why) {
  throw keraspp::ValueError(where + ": " + why + " (truncated or corrupt .keras archive)");
}

// The entry's bytes, read to the end of its stream so the CRC is checked
// (minizip checks it only there). Deflate expands at most 1032:1: more data
// than the compressed size allows is an error before it is held.
std::string read_entry(unzFile uf, const unz_file_info64& info, const std::string& where) {
  if (unzOpenCurrentFile(uf) != UNZ_OK) corrupt(where, "cannot open the entry");
  uint64_t bound = info.compressed_size;
  if (info.compression_method != 0)
    bound = info.compressed_size < UINT64_MAX / 1032 ? info.compressed_size * 1032 + 1024 : UINT64_MAX;
  std::string out;
  char chunk[1 << 16];
  int r = 0;
  while ((r = unzReadCurrentFile(uf, chunk, sizeof chunk)) > 0) {
    if (out.size() + static_cast<size_t>(r) > bound) {
      unzCloseCurrentFile(uf);
      corrupt(where, "the entry holds more data than its compressed size allows");
    }
    out.append(chunk, static_cast<size_t>(r));
  }
  const int closed = unzCloseCurrentFile(uf);
  if (r < 0) corrupt(where, "corrupt compressed data (zip error " + std::to_string(r) + ")");
  if (out.size() != info.uncompressed_size)
    corrupt(where, "the entry holds " + std::to_string(out.size()) + " bytes, its header says " +
                       std::to_string(info.uncompressed_size));
  if (closed == UNZ_CRCERROR) corrupt(where, "CRC check failed");
  return out;
}

// The archive must end with its complete end-of-central-directory record
// (22 bytes and its comment), as Python's zipfile requires: minizip alone
// accepts an archive cut inside that record.
void check_end_record(const std::string& path, const std::string& where) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw keraspp::IOError("Unable to open file (unable to open file: name = '" + path + "')");
  std::string tail(22 + 65535, '\0');
  const bool seek_ok = std::fseek(f, 0, SEEK_END) == 0;
  const long size = seek_ok ? std::ftell(f) : -1;
  const long start = std::max(0L, size - static_cast<long>(tail.size()));
  size_t n = 0;
  if (size >= 0 && std::fseek(f, start, SEEK_SET) == 0) n = std::fread(tail.data(), 1, tail.size(), f);
  std::fclose(f);
  tail.resize(n);
  for (size_t pos = tail.size() >= 22 ? tail.size() - 22 + 1 : 0; pos-- > 0;) {
    if (tail.compare(pos, 4, "PK\x05\x06") != 0) continue;
    const size_t comment = static_cast<unsigned char>(tail[pos + 20]) | static_cast<unsigned char>(tail[pos + 21]) << 8;
    if (pos + 22 + comment == tail.size()) return;
  }
  corrupt(where, "not a zip archive (no end of central directory record)");
}

}  // namespace

std::map<std::string, std::string> read_archive(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (!fs::exists(st))
    throw keraspp::IOError("Unable to open file (unable to open file: name = '" + path +
                           "', error message = 'No such file or directory')");
  if (fs::is_directory(st))
    throw keraspp::IOError("Unable to open file (unable to open file: name = '" + path +
                           "', error message = 'Is a directory')");
  const std::string where = "file '" + path + "'";
  check_end_record(path, where);
  unzFile uf = unzOpen64(path.c_str());
  if (!uf) corrupt(where, "not a zip archive");
  struct Closer {
    unzFile uf;
    ~Closer() { unzClose(uf); }
  } closer{uf};
  std::map<std::string, std::string> entries;
  int rc = unzGoToFirstFile(uf);
  for (; rc == UNZ_OK; rc = unzGoToNextFile(uf)) {
    unz_file_info64 info{};
    if (unzGetCurrentFileInfo64(uf, &info, nullptr, 0, nullptr, 0, nullptr, 0) != UNZ_OK)
      corrupt(where, "corrupt zip directory");
    std::string name(info.size_filename, '\0');
    if (unzGetCurrentFileInfo64(uf, &info, name.data(), static_cast<uLong>(name.size()), nullptr, 0, nullptr, 0) !=
        UNZ_OK)
      corrupt(where, "corrupt zip directory");
    if (name.empty() || name.back() == '/') continue;  // directory entries (assets/)
    entries[name] = read_entry(uf, info, where + ", entry '" + name + "'");
  }
  if (rc != UNZ_END_OF_LIST_OF_FILE) corrupt(where, "corrupt zip directory");
  return entries;
}

namespace {

// Appends one stored entry; false when minizip fails.
bool add_entry(zipFile zf, const std::string& name, const std::string& bytes) {
  zip_fileinfo zi{};
  zi.tmz_date.tm_year = 1980;  // the earliest date a zip entry can carry
  zi.tmz_date.tm_mday = 1;
  const int zip64 = bytes.size() >= 0xffffffffull ? 1 : 0;
  bool ok = zipOpenNewFileInZip64(zf, name.c_str(), &zi, nullptr, 0, nullptr, 0, nullptr, 0, 0, zip64) == ZIP_OK;
  for (size_t done = 0; ok && done < bytes.size();) {
    const unsigned n = static_cast<unsigned>(std::min<size_t>(bytes.size() - done, 1u << 30));
    ok = zipWriteInFileInZip(zf, bytes.data() + done, n) == ZIP_OK;
    done += n;
  }
  return zipCloseFileInZip(zf) == ZIP_OK && ok;
}

}  // namespace

void write_archive_atomically(const std::string& path, const std::function<void(const AddEntry&)>& write) {
  const fs::path target(path);
  std::error_code ec;
  if (fs::is_directory(target, ec))
    throw keraspp::IOError("Unable to create file (name = '" + path + "': is a directory)");
  static std::atomic<uint64_t> counter{0};
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const fs::path tmp = dir / ("." + target.filename().string() + ".tmp" + std::to_string(::getpid()) + "_" +
                              std::to_string(counter++));
  const std::string failed = "Unable to write file '" + path + "'";
  zipFile zf = zipOpen64(tmp.c_str(), APPEND_STATUS_CREATE);
  if (!zf)
    throw keraspp::IOError("Unable to create file (unable to open file: name = '" + path +
                           "', the directory does not exist or is not writable)");
  try {
    write([&](const std::string& name, const std::string& bytes) {
      if (!add_entry(zf, name, bytes)) throw keraspp::IOError(failed + " (writing the entry '" + name + "' failed)");
    });
    const int closed = zipClose(zf, nullptr);
    zf = nullptr;
    if (closed != ZIP_OK) throw keraspp::IOError(failed + " (closing the zip archive failed)");
    // The data reaches the disk before the rename makes it the file.
    const int fd = ::open(tmp.c_str(), O_RDONLY);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
    fs::rename(tmp, target);
  } catch (const fs::filesystem_error& e) {
    fs::remove(tmp, ec);
    throw keraspp::IOError(failed + ": " + e.what());
  } catch (...) {
    if (zf) zipClose(zf, nullptr);
    fs::remove(tmp, ec);
    throw;
  }
}

}  // namespace keras::saving::zip
