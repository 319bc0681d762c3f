// The resource cap (issue 16): a shape computed at run time or a size read
// from a file that needs more than np::memory_limit() fails with TF's
// ResourceExhaustedError naming the op (or file) and the size, before
// anything is allocated; below the cap nothing changes.
#include <cstdint>
#include <fstream>
#include <string>

#include "io/io_test_util.h"
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include "keraspp/io/idx.h"
#include "keraspp/keras/utils.h"
#include "keraspp/np.h"
#include "keraspp/np/memory_limit.h"
#include "keraspp/tf.h"
#include "keraspp/train/saver.h"

namespace {

using kpp_test::message_of;
using tf::errors::ResourceExhaustedError;

constexpr size_t kLimit = size_t{1} << 20;  // 1 MiB

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

class MemoryLimit : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = np::set_memory_limit(kLimit); }
  void TearDown() override { np::set_memory_limit(previous_); }
  tf::Graph g;
  tf::Graph::DefaultGuard guard{g};

 private:
  size_t previous_ = 0;
};

TEST_F(MemoryLimit, OutputsOfRunTimeShapesNameTheOpShapeAndSize) {
  auto dims = tf::placeholder(tf::int64, {1});
  auto filled = tf::fill(dims, 1.0f, "big_fill");
  auto uniform = tf::random_uniform(dims);
  auto tiled = tf::tile(tf::ones({1024}), tf::cast(dims, tf::int32), "big_tile");
  tf::Session s(g);
  const np::Array million = np::Array::from_vector<int64_t>({1 << 20}, {1});
  const std::string msg = message_of<ResourceExhaustedError>([&] { s.run(filled, {{dims, million}}); });
  EXPECT_TRUE(contains(msg, "OOM when allocating tensor with shape[1048576] and type float")) << msg;
  EXPECT_TRUE(contains(msg, "'big_fill'")) << msg;
  EXPECT_TRUE(contains(msg, "4194304 bytes")) << msg;
  EXPECT_TRUE(contains(msg, "the memory limit is 1048576 bytes")) << msg;
  EXPECT_THROW(s.run(uniform, {{dims, million}}), ResourceExhaustedError);
  const np::Array thousand = np::Array::from_vector<int64_t>({1000}, {1});
  EXPECT_TRUE(contains(message_of<ResourceExhaustedError>([&] { s.run(tiled, {{dims, thousand}}); }),
                       "'big_tile'"));
  // Below the cap the same graph runs.
  const np::Array small = np::Array::from_vector<int64_t>({100}, {1});
  EXPECT_EQ(s.run(filled, {{dims, small}}).size(), 100);
  EXPECT_EQ(s.run(tiled, {{dims, np::Array::from_vector<int64_t>({2}, {1})}}).size(), 2048);
}

TEST_F(MemoryLimit, ConstantShapesFailWhenRun) {
  auto z = tf::zeros({1 << 20}, tf::float32, "big_zeros");
  tf::Session s(g);
  EXPECT_TRUE(contains(message_of<ResourceExhaustedError>([&] { s.run(z); }), "for 'big_zeros'"));
}

// 3e9 classes were 12 GB of zeros and a minute of work.
TEST_F(MemoryLimit, ToCategoricalChecksBeforeAllocating) {
  const std::string msg = message_of<ResourceExhaustedError>(
      [&] { keras::utils::to_categorical(np::Array::from_vector<double>({3e9}, {1})); });
  EXPECT_TRUE(contains(msg, "shape[1,3000000001] and type float")) << msg;
  EXPECT_TRUE(contains(msg, "'to_categorical' (12000000004 bytes")) << msg;
  EXPECT_EQ(keras::utils::to_categorical(np::Array::from_vector<double>({2, 0}, {2})).size(), 6);
}

TEST_F(MemoryLimit, HostArraysAndOverflowingCounts) {
  EXPECT_TRUE(contains(message_of<ResourceExhaustedError>([] { np::Array::empty({1 << 20}); }),
                       "OOM when allocating 4194304 bytes on cpu_host"));
  EXPECT_TRUE(contains(message_of<keraspp::ValueError>(
                           [] { np::check_allocation({int64_t{1} << 40, int64_t{1} << 40}, np::float32, "x"); }),
                       "array is too big"));
  EXPECT_NO_THROW(np::check_allocation({0, int64_t{1} << 62}, np::float32, "empty"));
  EXPECT_NO_THROW(np::Array::empty({1000}));
}

// Sizes a file claims within what its bytes could hold (deflate expands up
// to 1032x) are checked against the cap, naming the file.
TEST_F(MemoryLimit, FilesThatInflatePastTheCap) {
  kpp_test::TempDir dir;
  np::set_memory_limit(size_t{8} << 20);
  const np::Array big = np::zeros({1 << 19});  // 2 MiB of zeros, ~2 KiB deflated
  np::savez_compressed(dir / "z.npz", {{"a", big}});
  keraspp::io::write_idx(dir / "z.idx.gz", big, true);
  tf::train::write_checkpoint(dir / "ckpt", {{"a", big}});
  np::set_memory_limit(kLimit);
  EXPECT_TRUE(contains(message_of<ResourceExhaustedError>([&] { np::load_npz(dir / "z.npz"); }), "z.npz"));
  EXPECT_TRUE(contains(message_of<ResourceExhaustedError>([&] { keraspp::io::read_idx(dir / "z.idx.gz"); }),
                       "OOM when reading " + dir / "z.idx.gz"));
  EXPECT_TRUE(contains(message_of<ResourceExhaustedError>(
                           [&] { tf::train::CheckpointReader(dir / "ckpt").get_tensor("a"); }),
                       "ckpt.data-00000-of-00001:a'"));
}

TEST(MemoryLimitSetting, EnvironmentAndDefault) {
  const size_t previous = np::memory_limit();
  {
    kpp_test::EnvGuard env("KERASPP_MEMORY_LIMIT", "3G");
    np::set_memory_limit(0);
    EXPECT_EQ(np::memory_limit(), size_t{3} << 30);
  }
  {
    kpp_test::EnvGuard env("KERASPP_MEMORY_LIMIT", "12345");
    np::set_memory_limit(0);
    EXPECT_EQ(np::memory_limit(), 12345u);
  }
  for (const char* bad : {"lots", "-1", "0", "5X", "99999999999999999999T"}) {
    kpp_test::EnvGuard env("KERASPP_MEMORY_LIMIT", std::string(bad));
    EXPECT_TRUE(contains(message_of<keraspp::ValueError>([] { np::set_memory_limit(0); }),
                         "is not a size in bytes"))
        << bad;
  }
  {
    kpp_test::EnvGuard env("KERASPP_MEMORY_LIMIT", std::nullopt);
    np::set_memory_limit(0);
    // Half of physical memory: more than a gigabyte on any machine that runs
    // the suite, less than the address space.
    EXPECT_GT(np::memory_limit(), size_t{1} << 30);
    EXPECT_LT(np::memory_limit(), size_t{1} << 50);
  }
  EXPECT_EQ(np::set_memory_limit(previous), np::memory_limit());
}

}  // namespace
