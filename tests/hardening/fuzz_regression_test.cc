// The fuzz harnesses' inputs replayed as ordinary tests (issue 16): every
// seed in tests/fuzz/corpus/<harness>/ loads, and every input a fuzzer found
// a fault with (tests/fuzz/regressions/<harness>/) is now loaded or rejected
// with an error of the error model, in the normal build as in the sanitizer
// build.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fuzz/fuzz_targets.h"
#include "keraspp/errors.h"
#include "keraspp/np/memory_limit.h"

namespace {

namespace fs = std::filesystem;
using keraspp::fuzz::Outcome;

std::string read_bytes(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

// The harnesses run under this cap; so do their inputs here.
class FuzzInputs : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = np::set_memory_limit(keraspp::fuzz::kFuzzMemoryLimit); }
  void TearDown() override { np::set_memory_limit(previous_); }

 private:
  size_t previous_ = 0;
};

TEST_F(FuzzInputs, EverySeedLoads) {
  int seeds = 0;
  for (const auto& target : keraspp::fuzz::fuzz_targets()) {
    const auto files = files_in(fs::path(KERASPP_FUZZ_DIR) / "corpus" / std::string(target.name));
    EXPECT_FALSE(files.empty()) << "no seed for " << target.name;
    for (const fs::path& f : files) {
      const auto result = keraspp::fuzz::run_fuzz_input(target, read_bytes(f));
      EXPECT_EQ(result.outcome, Outcome::kLoaded) << f << ": " << result.what;
      ++seeds;
    }
  }
  EXPECT_GE(seeds, 10);
}

TEST_F(FuzzInputs, EveryFoundInputIsLoadedOrRejectedCleanly) {
  const fs::path root = fs::path(KERASPP_FUZZ_DIR) / "regressions";
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;  // the README
    const auto* target = keraspp::fuzz::find_fuzz_target(dir.path().filename().string());
    ASSERT_NE(target, nullptr) << "regressions for an unknown harness: " << dir.path();
    for (const fs::path& f : files_in(dir.path())) {
      const auto result = keraspp::fuzz::run_fuzz_input(*target, read_bytes(f));
      EXPECT_NE(result.outcome, Outcome::kFinding) << f << ": " << result.what;
    }
  }
}

// The multi-file inputs split as the seeds were joined.
TEST(FuzzInputFiles, SplitUndoesJoinAndClampsLengths) {
  const std::string joined = keraspp::fuzz::join_files({"ab", "", "cde"});
  const auto parts = keraspp::fuzz::split_files(joined, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "ab");
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[2], "cde");
  // split_files returns views into its input: the bytes must outlive them
  // (a temporary here was read after its end, found by ASan).
  const std::string short_input("\xff\xff\x00\x00xy", 6);
  const auto short_parts = keraspp::fuzz::split_files(short_input, 2);
  EXPECT_EQ(short_parts[0], "xy");
  EXPECT_EQ(short_parts[1], "");
}

}  // namespace
