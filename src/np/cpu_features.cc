// Run-time choice of the hand-written kernels' ISA (see cpu_features.h).
#include "keraspp/np/cpu_features.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace np::cpu {
namespace {

KernelIsa detect() {
  const char* forced = std::getenv("KERASPP_KERNEL_ISA");
  if (forced && std::strcmp(forced, "generic") == 0) return KernelIsa::kGeneric;
  return supports(KernelIsa::kAvx512) ? KernelIsa::kAvx512 : KernelIsa::kGeneric;
}

std::atomic<KernelIsa>& current() {
  static std::atomic<KernelIsa> isa{detect()};
  return isa;
}

}  // namespace

bool supports(KernelIsa isa) {
  if (isa == KernelIsa::kGeneric) return true;
#if defined(__x86_64__) && defined(__GNUC__)
  // __builtin_cpu_supports also checks that the OS saves the ZMM state (XCR0).
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
#else
  return false;
#endif
}

KernelIsa kernel_isa() { return current().load(std::memory_order_relaxed); }

const char* kernel_isa_name(KernelIsa isa) { return isa == KernelIsa::kAvx512 ? "avx512" : "generic"; }

ScopedKernelIsa::ScopedKernelIsa(KernelIsa isa) : saved_(kernel_isa()) {
  current().store(supports(isa) ? isa : KernelIsa::kGeneric, std::memory_order_relaxed);
}

ScopedKernelIsa::~ScopedKernelIsa() { current().store(saved_, std::memory_order_relaxed); }

}  // namespace np::cpu
