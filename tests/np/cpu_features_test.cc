// The hand-written kernels' ISA is chosen at run time from cpuid
// (keraspp/np/cpu_features.h): the choice follows the CPU, and the Philox
// bulk fills give the same bits on every path.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "keraspp/np/cpu_features.h"
#include "keraspp/np/philox.h"

namespace {

using np::cpu::KernelIsa;

// The CPU's flags as the kernel reports them (independent of cpuid in-process).
bool cpuinfo_has(const std::string& flag) {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("flags", 0) == 0) return (line + " ").find(" " + flag + " ") != std::string::npos;
  return false;
}

TEST(CpuFeatures, TheAvx512PathIsTakenExactlyWhenTheCpuHasAvx512) {
  const bool has = cpuinfo_has("avx512f") && cpuinfo_has("avx512bw") && cpuinfo_has("avx512vl") &&
                   cpuinfo_has("avx512dq");
  EXPECT_EQ(np::cpu::supports(KernelIsa::kAvx512), has);
  const char* forced = std::getenv("KERASPP_KERNEL_ISA");
  const bool generic_forced = forced && std::strcmp(forced, "generic") == 0;
  EXPECT_EQ(np::cpu::kernel_isa(), has && !generic_forced ? KernelIsa::kAvx512 : KernelIsa::kGeneric);
  std::printf("kernel ISA on this machine: %s\n", np::cpu::kernel_isa_name(np::cpu::kernel_isa()));
  EXPECT_TRUE(np::cpu::supports(KernelIsa::kGeneric));
}

TEST(CpuFeatures, ScopedIsaRestoresTheChoice) {
  const KernelIsa before = np::cpu::kernel_isa();
  {
    np::cpu::ScopedKernelIsa generic(KernelIsa::kGeneric);
    EXPECT_EQ(np::cpu::kernel_isa(), KernelIsa::kGeneric);
  }
  EXPECT_EQ(np::cpu::kernel_isa(), before);
}

TEST(CpuFeatures, PhiloxFillsGiveTheSameBitsOnEveryPath) {
  if (!np::cpu::supports(KernelIsa::kAvx512)) GTEST_SKIP() << "no AVX-512 on this CPU: one path only";
  const uint64_t key = 0x0123456789abcdefull, hi = 7, first = (1ull << 32) - 40;
  for (int64_t n : {1, 31, 32, 33, 257}) {
    std::vector<uint32_t> a(static_cast<size_t>(4 * n)), b(a.size());
    std::vector<float> fa(static_cast<size_t>(n)), fb(fa.size());
    std::vector<double> da(static_cast<size_t>(n)), db(da.size());
    {
      np::cpu::ScopedKernelIsa isa(KernelIsa::kGeneric);
      np::random::Philox4x32::fill_blocks(key, hi, first, n, a.data());
      np::random::Philox4x32::fill_uniform(key, hi, first, n, fa.data());
      np::random::Philox4x32::fill_uniform(key, hi, first, n, da.data());
    }
    {
      np::cpu::ScopedKernelIsa isa(KernelIsa::kAvx512);
      np::random::Philox4x32::fill_blocks(key, hi, first, n, b.data());
      np::random::Philox4x32::fill_uniform(key, hi, first, n, fb.data());
      np::random::Philox4x32::fill_uniform(key, hi, first, n, db.data());
    }
    EXPECT_EQ(a, b) << n;
    EXPECT_EQ(0, std::memcmp(fa.data(), fb.data(), fa.size() * sizeof(float))) << n;
    EXPECT_EQ(0, std::memcmp(da.data(), db.data(), da.size() * sizeof(double))) << n;
  }
}

}  // namespace
