// libFuzzer entry point of one harness, fuzz_<KERASPP_FUZZ_TARGET> (tests/fuzz
// CMakeLists): hands each input to that row of fuzz_targets() and aborts on a
// finding, which libFuzzer saves as a crash input.
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "fuzz_targets.h"
#include "keraspp/np/memory_limit.h"

namespace {
const keraspp::fuzz::FuzzTarget* g_target = nullptr;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_target = keraspp::fuzz::find_fuzz_target(KERASPP_FUZZ_TARGET);
  if (!g_target) {
    std::fprintf(stderr, "no fuzz target named %s\n", KERASPP_FUZZ_TARGET);
    std::abort();
  }
  np::set_memory_limit(keraspp::fuzz::kFuzzMemoryLimit);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto result = keraspp::fuzz::run_fuzz_input(
      *g_target, std::string_view(reinterpret_cast<const char*>(data), size));
  if (result.outcome == keraspp::fuzz::Outcome::kFinding) {
    std::fprintf(stderr, "fuzz_%s: %s\n", KERASPP_FUZZ_TARGET, result.what.c_str());
    std::abort();
  }
  return 0;
}
