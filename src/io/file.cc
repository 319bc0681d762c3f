// Whole-file reads (with transparent gunzip) and atomic writes: the byte
// layer under the IDX reader and the dataset loaders.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "keraspp/errors.h"
#include "keraspp/io/idx.h"
#include "keraspp/np/memory_limit.h"

namespace keraspp::io {

namespace {

// Python's OSError text, "[Errno 2] No such file or directory: 'x'", so the
// messages read as the spec's programs would print them.
[[noreturn]] void throw_os_error(int err, const std::string& path) {
  throw IOError("[Errno " + std::to_string(err) + "] " + std::strerror(err) + ": '" + path + "'");
}

// Closes a descriptor on every path out of a scope, exceptions included.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string read_raw(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) throw_os_error(errno, path);
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw_os_error(errno, path);
  // open() succeeds on a folder; read() would then fail with a less clear
  // message, so report it as Python does.
  if (S_ISDIR(st.st_mode)) throw_os_error(EISDIR, path);
  std::string out;
  if (S_ISREG(st.st_mode)) out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_os_error(errno, path);
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

bool has_gzip_magic(std::string_view s, size_t at = 0) {
  return s.size() >= at + 2 && static_cast<unsigned char>(s[at]) == 0x1f &&
         static_cast<unsigned char>(s[at + 1]) == 0x8b;
}

// Inflates every gzip member of `in` (gzip allows several, concatenated).
std::string gunzip(std::string_view in, const std::string& path) {
  std::string out;
  // The trailer's ISIZE (size mod 2^32) is a good size hint; deflate cannot
  // expand more than ~1032x, which caps the hint for hostile files.
  if (in.size() >= 4) {
    const auto* t = reinterpret_cast<const unsigned char*>(in.data() + in.size() - 4);
    uint64_t isize = t[0] | (t[1] << 8) | (t[2] << 16) | (static_cast<uint64_t>(t[3]) << 24);
    out.reserve(static_cast<size_t>(
        std::min<uint64_t>({isize, in.size() * 1032ull, np::memory_limit()})));
  }
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
    throw IOError("zlib could not be initialised to read " + path);
  struct Guard {
    z_stream* z;
    ~Guard() { inflateEnd(z); }
  } guard{&zs};

  size_t pos = 0;
  char buf[1 << 16];
  for (;;) {
    // zlib's avail_in is 32-bit: feed at most 1 GiB at a time.
    if (zs.avail_in == 0 && pos < in.size()) {
      const size_t chunk = std::min<size_t>(in.size() - pos, 1u << 30);
      zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + pos));
      zs.avail_in = static_cast<uInt>(chunk);
      pos += chunk;
    }
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.append(buf, sizeof buf - zs.avail_out);
    // The resource cap: a small file can inflate to 1032 times its size.
    if (out.size() > np::memory_limit())
      throw tf::errors::ResourceExhaustedError(
          "OOM when reading " + path + ": its gzip contents exceed the memory limit of " +
          std::to_string(np::memory_limit()) + " bytes (np::set_memory_limit or KERASPP_MEMORY_LIMIT)");
    if (rc == Z_STREAM_END) {
      const size_t consumed = pos - zs.avail_in;
      // Another member follows: continue with it; anything else after the
      // end (zero padding from some tools) is ignored, as gzip does.
      if (has_gzip_magic(in, consumed)) {
        inflateReset(&zs);
        continue;
      }
      return out;
    }
    if (rc == Z_BUF_ERROR || (rc == Z_OK && zs.avail_in == 0 && pos >= in.size() &&
                              zs.avail_out != 0)) {
      // No more input and no end-of-stream marker: a cut-off download.
      throw ValueError("Compressed file ended before the end-of-stream marker was reached: " +
                       path);
    }
    if (rc != Z_OK) {
      throw ValueError("Not a gzipped file or corrupt data (" +
                       std::string(zs.msg ? zs.msg : "zlib error " + std::to_string(rc)) +
                       "): " + path);
    }
  }
}

}  // namespace

std::string read_maybe_gzipped(const std::string& path) {
  std::string raw = read_raw(path);
  if (!has_gzip_magic(raw)) return raw;
  return gunzip(raw, path);
}

bool is_regular_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void write_file_atomic(const std::string& path, std::string_view bytes) {
  // Unique per process and call, in the destination's folder so that the
  // final rename() stays on one file system (and is therefore atomic).
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp" + std::to_string(::getpid()) + "_" +
                          std::to_string(counter.fetch_add(1));
  {
    Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)};
    if (f.fd < 0) throw_os_error(errno, path);
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(f.fd, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::unlink(tmp.c_str());
        throw_os_error(err, path);
      }
      done += static_cast<size_t>(n);
    }
    // Data on disk before the rename makes the new name visible: a crash
    // then leaves either the old file or the complete new one.
    int err = ::fsync(f.fd) != 0 ? errno : 0;
    if (::close(f.fd) != 0 && err == 0) err = errno;
    f.fd = -1;
    if (err != 0) {
      ::unlink(tmp.c_str());
      throw_os_error(err, path);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw_os_error(err, path);
  }
}

}  // namespace keraspp::io
