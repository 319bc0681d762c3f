// How many OpenMP threads a run uses when the user has not fixed the count.
//
// libgomp's default waiting policy spins: a thread that reaches a barrier
// first busy-waits for the others. When another process holds one of the
// cores, the thread it preempted reaches the barrier late and every other
// thread of the team spins meanwhile: measured, the seed MLP's epoch went
// from 1.8 s to 34.9 s on 2 cores shared with one CPU-bound process. libgomp
// reads its wait policy only at start-up, so a library cannot change it; it
// can size the team. The governor samples how much of the CPUs this process
// may run on other processes use (/proc/stat's busy time less this process's
// own CPU time), and runs with as many threads as there are cores left over,
// at least one. Results barely depend on it: training and every product of
// two or more rows give bit-identical results at any team size (tested);
// oneDNN's one-row products (batch-1 inference) differ in the last bits
// between team sizes, as TF's results differ between intra-op pool sizes.
//
// It stays off when the user chose: OMP_NUM_THREADS set, OMP_WAIT_POLICY
// set (passive threads sleep instead of spinning, so a full team still pays),
// ConfigProto::intra_op_parallelism_threads > 0 for that session, or
// KERASPP_ADAPTIVE_THREADS=0.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <vector>

namespace tf::runtime {

// The policy, apart from the readings: of the `cpus` cores the process may
// run on, `other_cores` were busy with other processes (averaged over the
// last sample period); the team is the cores left, rounded, in [1, max].
int threads_for_load(int max_threads, int cpus, double other_cores);

// CPU time counters of one sample: busy time of the CPUs in this process's
// affinity mask and this process's own CPU time, both in seconds, at `wall`.
struct CpuSample {
  double busy_s = 0;
  double self_s = 0;
  std::chrono::steady_clock::time_point wall;
};
// Reads one; nullopt where /proc/stat cannot be read (not Linux, a sandbox).
std::optional<CpuSample> read_cpu_sample(const std::vector<int>& cpus);

class ThreadGovernor {
 public:
  // The process's governor, configured from the environment at first use.
  static ThreadGovernor& global();

  // max_threads: the team size with idle cores (omp_get_max_threads() before
  // anything changed it); enabled: whether to adapt at all.
  ThreadGovernor(int max_threads, bool enabled, std::vector<int> cpus);

  bool enabled() const { return enabled_; }
  int max_threads() const { return max_threads_; }
  // The team size for a run starting now. Cheap (a clock read) except at
  // most once per sample period, when one caller re-samples.
  int threads();
  // The current team size, without sampling.
  int current() const { return threads_.load(std::memory_order_relaxed); }

  // Feeds one sample (tests drive the policy with made-up readings). A
  // change of team size takes two consecutive samples that agree, so one
  // noisy period does not flip it.
  void observe(const CpuSample& sample);

  static constexpr std::chrono::milliseconds kSamplePeriod{100};

 private:
  const int max_threads_;
  const bool enabled_;
  const std::vector<int> cpus_;
  std::atomic<int> threads_;
  std::atomic<int64_t> next_sample_ns_{0};
  std::mutex sample_mu_;
  std::optional<CpuSample> last_;  // guarded by sample_mu_
  int pending_ = 0;                // the last sample's verdict, guarded likewise
};

}  // namespace tf::runtime
