#include "thread_governor.h"

#include <omp.h>
#include <fcntl.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace tf::runtime {

int threads_for_load(int max_threads, int cpus, double other_cores) {
  const double left = static_cast<double>(cpus) - std::max(0.0, other_cores);
  const long rounded = std::lround(left);
  return static_cast<int>(std::clamp<long>(rounded, 1, std::max(1, max_threads)));
}

namespace {

double process_cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::vector<int> affinity_cpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  return cpus;
}

bool env_set(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0';
}

}  // namespace

namespace {

// Adds one "cpuN user nice system idle iowait irq softirq steal ..." line's
// busy ticks (all but idle and iowait; steal is a core we did not get) when
// N is one of `cpus`. The aggregate "cpu " line does not parse and is skipped.
void add_cpu_line(const char* line, const std::vector<int>& cpus, unsigned long long& busy_ticks,
                  int& matched) {
  int cpu = -1;
  unsigned long long user = 0, nice = 0, sys = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                     steal = 0;
  if (std::sscanf(line, "cpu%d %llu %llu %llu %llu %llu %llu %llu %llu", &cpu, &user, &nice, &sys,
                  &idle, &iowait, &irq, &softirq, &steal) < 9)
    return;
  if (!std::binary_search(cpus.begin(), cpus.end(), cpu)) return;
  busy_ticks += user + nice + sys + irq + softirq + steal;
  ++matched;
}

}  // namespace

// Reads with open/read into a stack buffer (no FILE, no heap): it runs inside
// Session::run every sample period, and a training step allocates nothing.
std::optional<CpuSample> read_cpu_sample(const std::vector<int>& cpus) {
  const int fd = ::open("/proc/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  CpuSample s;
  s.wall = std::chrono::steady_clock::now();
  s.self_s = process_cpu_s();
  unsigned long long busy_ticks = 0;
  int matched = 0;
  char buf[4096];
  size_t have = 0;
  bool past_cpu_lines = false;
  while (!past_cpu_lines) {
    const ssize_t n = ::read(fd, buf + have, sizeof buf - 1 - have);
    if (n <= 0) break;
    have += static_cast<size_t>(n);
    buf[have] = '\0';
    char* line = buf;
    while (char* end = std::strchr(line, '\n')) {
      *end = '\0';
      if (std::strncmp(line, "cpu", 3) != 0) {  // the cpu lines come first
        past_cpu_lines = true;
        break;
      }
      add_cpu_line(line, cpus, busy_ticks, matched);
      line = end + 1;
    }
    have = static_cast<size_t>(buf + have - line);  // a partial line: keep it
    std::memmove(buf, line, have);
    if (have == sizeof buf - 1) break;  // no line is this long
  }
  ::close(fd);
  if (matched == 0) return std::nullopt;
  s.busy_s = static_cast<double>(busy_ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return s;
}

ThreadGovernor& ThreadGovernor::global() {
  static ThreadGovernor g = [] {
    std::vector<int> cpus = affinity_cpus();
    const int max_threads = omp_get_max_threads();
    const char* opt_out = std::getenv("KERASPP_ADAPTIVE_THREADS");
    const bool user_chose = env_set("OMP_NUM_THREADS") || env_set("OMP_WAIT_POLICY") ||
                            env_set("GOMP_SPINCOUNT") ||
                            (opt_out != nullptr && std::string(opt_out) == "0");
    const bool enabled = !user_chose && max_threads > 1 && read_cpu_sample(cpus).has_value();
    return ThreadGovernor(max_threads, enabled, std::move(cpus));
  }();
  return g;
}

ThreadGovernor::ThreadGovernor(int max_threads, bool enabled, std::vector<int> cpus)
    : max_threads_(std::max(1, max_threads)),
      enabled_(enabled),
      cpus_([&] {
        std::sort(cpus.begin(), cpus.end());
        return std::move(cpus);
      }()),
      threads_(std::max(1, max_threads)),
      pending_(std::max(1, max_threads)) {}

int ThreadGovernor::threads() {
  if (!enabled_) return max_threads_;
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  if (now >= next_sample_ns_.load(std::memory_order_relaxed)) {
    // One caller samples; the others go on with the current size.
    std::unique_lock<std::mutex> lock(sample_mu_, std::try_to_lock);
    if (lock.owns_lock() && now >= next_sample_ns_.load(std::memory_order_relaxed)) {
      next_sample_ns_.store(now + std::chrono::nanoseconds(kSamplePeriod).count(),
                            std::memory_order_relaxed);
      lock.unlock();
      if (std::optional<CpuSample> s = read_cpu_sample(cpus_)) observe(*s);
    }
  }
  return threads_.load(std::memory_order_relaxed);
}

void ThreadGovernor::observe(const CpuSample& sample) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(sample_mu_);
  if (last_) {
    const double wall = std::chrono::duration<double>(sample.wall - last_->wall).count();
    if (wall <= 0) return;
    const double others = ((sample.busy_s - last_->busy_s) - (sample.self_s - last_->self_s)) / wall;
    const int verdict = threads_for_load(max_threads_, static_cast<int>(cpus_.size()), others);
    if (verdict == pending_) threads_.store(verdict, std::memory_order_relaxed);
    pending_ = verdict;
  }
  last_ = sample;
}

}  // namespace tf::runtime
