// Which vector ISA the project's own hand-written kernels run (Philox bulk
// fills, the batch-1 gemv), chosen at run time from cpuid: a wheel built for
// x86-64-v3 (AVX2) runs anywhere with AVX2 and still takes the AVX-512 paths
// on machines that have them. oneDNN dispatches its own kernels itself; the
// compiler-vectorised elementwise loops stay at the build's -march (they are
// bandwidth-bound, so AVX-512 buys them little).
#pragma once

namespace np::cpu {

enum class KernelIsa { kGeneric, kAvx512 };

// AVX-512 (F, BW, VL, DQ) when the CPU and OS support it, else generic;
// KERASPP_KERNEL_ISA=generic in the environment forces the portable kernels.
KernelIsa kernel_isa();
const char* kernel_isa_name(KernelIsa isa);

// For tests: runs the kernels on `isa` for its lifetime (must be supported).
class ScopedKernelIsa {
 public:
  explicit ScopedKernelIsa(KernelIsa isa);
  ~ScopedKernelIsa();
  ScopedKernelIsa(const ScopedKernelIsa&) = delete;
  ScopedKernelIsa& operator=(const ScopedKernelIsa&) = delete;

 private:
  KernelIsa saved_;
};

// Whether this CPU can run `isa`'s kernels.
bool supports(KernelIsa isa);

}  // namespace np::cpu
