// Shared helpers of the io tests: a temporary folder, an environment-variable
// guard, and a synthetic MNIST set written as IDX files.
#pragma once
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include "keraspp/io/idx.h"
#include "keraspp/np/array.h"

namespace kpp_test {

// A fresh folder under $TMPDIR, removed with everything in it at scope end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kpp_io_XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : std::string();
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Sets (or unsets, with nullopt) an environment variable for a scope.
class EnvGuard {
 public:
  EnvGuard(std::string name, std::optional<std::string> value) : name_(std::move(name)) {
    if (const char* v = std::getenv(name_.c_str())) old_ = v;
    if (value) ::setenv(name_.c_str(), value->c_str(), 1);
    else ::unsetenv(name_.c_str());
  }
  ~EnvGuard() {
    if (old_) ::setenv(name_.c_str(), old_->c_str(), 1);
    else ::unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}
inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

// Image i of a synthetic set: pixel k = (i * 7 + k * 3) % 256.
inline uint8_t pixel(int64_t i, int64_t k) { return static_cast<uint8_t>((i * 7 + k * 3) % 256); }

// n images of rows x cols with pixel(i, k), label i % 10.
inline np::Array synth_images(int64_t n, int64_t rows, int64_t cols, int64_t offset = 0) {
  np::Array a = np::Array::empty({n, rows, cols}, np::uint8);
  uint8_t* p = a.data<uint8_t>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < rows * cols; ++k) p[i * rows * cols + k] = pixel(i + offset, k);
  return a;
}
inline np::Array synth_labels(int64_t n, int64_t offset = 0) {
  np::Array a = np::Array::empty({n}, np::uint8);
  for (int64_t i = 0; i < n; ++i) a.data<uint8_t>()[i] = static_cast<uint8_t>((i + offset) % 10);
  return a;
}

// The four MNIST files in `dir` (gzipped or raw names), 2x2 images; test
// examples are numbered from 1000 so they differ from training ones.
inline void write_mnist(const std::string& dir, int64_t n_train, int64_t n_test, bool gz = true) {
  const std::string ext = gz ? ".gz" : "";
  keraspp::io::write_idx(dir + "/train-images-idx3-ubyte" + ext, synth_images(n_train, 2, 2), gz);
  keraspp::io::write_idx(dir + "/train-labels-idx1-ubyte" + ext, synth_labels(n_train), gz);
  keraspp::io::write_idx(dir + "/t10k-images-idx3-ubyte" + ext, synth_images(n_test, 2, 2, 1000), gz);
  keraspp::io::write_idx(dir + "/t10k-labels-idx1-ubyte" + ext, synth_labels(n_test, 1000), gz);
}

}  // namespace kpp_test
