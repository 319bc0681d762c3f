// The readers of outside bytes that the libFuzzer harnesses (harness.cc) and
// the regression replay (tests/hardening/fuzz_regression_test.cc) feed: one
// table row per reader. A reader passes an input when it loads it or rejects
// it with an exception of the error model (keraspp/errors.h); anything else
// (a sanitizer report, a crash, std::bad_alloc, an exception of another
// type) is a finding.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace keraspp::fuzz {

struct FuzzTarget {
  // The harness's name: fuzz_<name>, corpus in tests/fuzz/corpus/<name>/.
  std::string_view name;
  // Hands `bytes` to the reader (through a temporary file where the reader
  // takes a path); throws whatever the reader throws.
  void (*run)(std::string_view bytes);
};

const std::vector<FuzzTarget>& fuzz_targets();
// The row named `name`; nullptr if there is none.
const FuzzTarget* find_fuzz_target(std::string_view name);

enum class Outcome { kLoaded, kRejected, kFinding };
struct Result {
  Outcome outcome;
  std::string what;  // the error's message (kRejected) or the finding (kFinding)
};
// Runs one input, sorting what the reader does into the outcomes above.
Result run_fuzz_input(const FuzzTarget& target, std::string_view bytes);

// Inputs that stand for several files (the four MNIST IDX files, a
// checkpoint's .index and .data): n - 1 little-endian uint32 lengths, then the
// files' bytes back to back; lengths past the end are clamped, the last file
// takes the rest.
std::vector<std::string_view> split_files(std::string_view bytes, size_t n);
std::string join_files(const std::vector<std::string>& files);

// The cap every harness runs under (np::set_memory_limit): a reader must
// refuse what a file claims beyond it with ResourceExhaustedError, never try.
inline constexpr size_t kFuzzMemoryLimit = size_t{256} << 20;

}  // namespace keraspp::fuzz
