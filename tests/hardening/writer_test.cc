// Every writer of files against a careless environment (issue 16): a missing
// directory, a directory it may not write to, and a disk that fills up
// mid-write (simulated with RLIMIT_FSIZE) each give an error of the error
// model naming the path, leave any earlier file byte for byte as it was, and
// leave no temporary file behind.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "io/io_test_util.h"
#include "keras_train/train_test_util.h"
#include <gtest/gtest.h>

#include "keraspp/io/idx.h"
#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/train/saver.h"

namespace {

namespace fs = std::filesystem;
using kpp_test::TempDir;

// One writer: the file name it is given and how it writes `value` there
// (the checkpoint writes <name>.index and <name>.data-00000-of-00001).
struct Writer {
  std::string name;
  std::function<void(const std::string& path, const np::Array& value)> write;
};

keras::models::Sequential model_of(const np::Array& value) {
  keras::models::Sequential m;
  m.add(keras::layers::Dense(value.shape()[1], {.input_dim = value.shape()[0]}));
  m.layers()[0].set_weights({value, np::zeros({value.shape()[1]})});
  return m;
}

std::vector<Writer> writers() {
  return {
      {"a.npy", [](auto& p, auto& v) { np::save(p, v); }},
      {"a.npz", [](auto& p, auto& v) { np::savez(p, {{"v", v}}); }},
      {"b.npz", [](auto& p, auto& v) { np::savez_compressed(p, {{"v", v}}); }},
      {"a.idx", [](auto& p, auto& v) { keraspp::io::write_idx(p, v, false); }},
      {"a.idx.gz", [](auto& p, auto& v) { keraspp::io::write_idx(p, v, true); }},
      {"m.h5", [](auto& p, auto& v) { model_of(v).save(p); }},
      {"w.h5", [](auto& p, auto& v) { model_of(v).save_weights(p); }},
      {"ckpt", [](auto& p, auto& v) { tf::train::write_checkpoint(p, {{"v", v}}); }},
  };
}

// The error model's classes; another exception type fails the test.
template <class F> std::string error_of(F&& f) {
  try {
    f();
  } catch (const keraspp::IOError& e) {
    return e.what();
  } catch (const keraspp::ValueError& e) {
    return e.what();
  } catch (const tf::errors::OpError& e) {
    return e.what();
  }
  return "<no exception>";
}

std::map<std::string, std::string> files_in(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream f(e.path(), std::ios::binary);
    out[e.path().filename().string()] = {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
  }
  return out;
}

// Values that do not compress (deflate must not fit them under the limit).
np::Array values(int64_t rows, int64_t cols) {
  np::Array a = np::Array::empty({rows, cols});
  uint32_t state = 12345;
  for (int64_t i = 0; i < a.size(); ++i) {
    state = state * 1664525u + 1013904223u;
    a.data<float>()[i] = static_cast<float>(state >> 8) / 16777216.f;
  }
  return a;
}

class Writers : public keras_train_test::KerasTrainTest {};

TEST_F(Writers, MissingDirectoryNamesThePath) {
  TempDir dir;
  for (const Writer& w : writers()) {
    const std::string path = dir / ("no/such/dir/" + w.name);
    const std::string msg = error_of([&] { w.write(path, values(2, 3)); });
    EXPECT_NE(msg.find("no/such/dir"), std::string::npos) << w.name << ": " << msg;
  }
  EXPECT_TRUE(files_in(dir.path()).empty());
}

// A folder the process may not create files in: a 0555 folder, or, for root
// (which ignores permissions), sysfs, which refuses new files to everyone.
std::string unwritable_dir(const TempDir& dir) {
  if (::geteuid() != 0) {
    const std::string ro = dir / "ro";
    fs::create_directory(ro);
    ::chmod(ro.c_str(), 0555);
    return ro;
  }
  return "/sys/kernel";
}

TEST_F(Writers, ReadOnlyDirectoryNamesThePathAndCreatesNothing) {
  TempDir dir;
  const std::string ro = unwritable_dir(dir);
  const std::string probe = ro + "/probe";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd >= 0) {
    ::close(fd);
    ::unlink(probe.c_str());
    GTEST_SKIP() << ro << " is writable here";
  }
  for (const Writer& w : writers()) {
    const std::string msg = error_of([&] { w.write(ro + "/" + w.name, values(2, 3)); });
    EXPECT_NE(msg.find(ro), std::string::npos) << w.name << ": " << msg;
  }
  if (::geteuid() != 0) {
    EXPECT_TRUE(files_in(ro).empty());  // no temporary file left either
    ::chmod(ro.c_str(), 0755);
  }
}

// The file-size limit makes write() fail with EFBIG past `bytes`, as a full
// disk fails it with ENOSPC: the writer's error path, from any process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    ::getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = ::signal(SIGXFSZ, SIG_IGN);
    rlimit lim = old_;
    lim.rlim_cur = bytes;
    ::setrlimit(RLIMIT_FSIZE, &lim);
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    ::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  sighandler_t old_handler_{};
};

TEST_F(Writers, DiskFullMidWriteKeepsTheOldFileAndLeavesNoTemp) {
  for (const Writer& w : writers()) {
    SCOPED_TRACE(w.name);
    TempDir dir;
    w.write(dir / w.name, values(2, 3));
    const auto before = files_in(dir.path());
    ASSERT_FALSE(before.empty());
    std::string msg;
    {
      // The new contents (64 KiB of floats) cannot fit; the old ones did.
      FileSizeLimit limit(4096);
      msg = error_of([&] { w.write(dir / w.name, values(128, 128)); });
    }
    EXPECT_NE(msg, "<no exception>");
    EXPECT_NE(msg.find(dir.path()), std::string::npos) << msg;
    EXPECT_EQ(files_in(dir.path()), before);
  }
}

}  // namespace
