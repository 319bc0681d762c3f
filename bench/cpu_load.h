// How much of the machine a timed region really had. The benchmark machine
// has 2 cores shared with other work (builds, tests); a timing taken while
// something else ran is not a measurement of the framework. CpuLoad records,
// over a region, this process's CPU seconds and the CPU seconds everything
// else on the machine used, so each RESULT line can say how quiet it was.
#pragma once

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace bench {

class CpuLoad {
 public:
  CpuLoad() { reset(); }

  void reset() {
    wall0_ = std::chrono::steady_clock::now();
    self0_ = self_cpu_s();
    busy0_ = machine_busy_s();
  }
  double wall_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0_).count();
  }
  // This process's user+system CPU seconds since reset().
  double self_s() const { return self_cpu_s() - self0_; }
  // CPU seconds used by every other process (and the hypervisor's steal)
  // since reset(); near 0 on a quiet machine.
  double others_s() const {
    double o = machine_busy_s() - busy0_ - self_s();
    return o > 0 ? o : 0;
  }

 private:
  static double self_cpu_s() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
  }
  // Busy time of all CPUs from the first line of /proc/stat (Linux only;
  // 0 elsewhere, which makes others_s() read 0).
  static double machine_busy_s() {
    std::FILE* f = std::fopen("/proc/stat", "r");
    if (!f) return 0;
    unsigned long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
    int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle, &iowait, &irq,
                        &softirq, &steal);
    std::fclose(f);
    if (n < 8) return 0;
    return static_cast<double>(user + nice + sys + irq + softirq + steal) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }

  std::chrono::steady_clock::time_point wall0_;
  double self0_ = 0, busy0_ = 0;
};

}  // namespace bench
