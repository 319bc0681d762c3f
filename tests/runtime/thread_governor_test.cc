// The thread governor (src/runtime/thread_governor.h): its policy on given
// readings, its debouncing, that it sees real competing processes, and the
// premise it rests on: training and inference on batches of two or more rows
// give bit-identical results at any team size, so changing the team between
// runs changes no such result. (oneDNN's one-row products are the exception:
// batch-1 logits differ in the last bits between team sizes.)
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include "keraspp/tf.h"
#include "runtime/thread_governor.h"

namespace {

using tf::runtime::CpuSample;
using tf::runtime::ThreadGovernor;
using tf::runtime::threads_for_load;

TEST(ThreadGovernor, TeamIsTheCoresOtherProcessesLeave) {
  EXPECT_EQ(threads_for_load(2, 2, 0.0), 2);
  EXPECT_EQ(threads_for_load(2, 2, 0.3), 2);   // a daemon's blip keeps the team
  EXPECT_EQ(threads_for_load(2, 2, 0.7), 1);   // one core taken (CFS gives it ~2/3)
  EXPECT_EQ(threads_for_load(2, 2, 1.0), 1);
  EXPECT_EQ(threads_for_load(2, 2, 5.0), 1);   // never fewer than one
  EXPECT_EQ(threads_for_load(8, 8, 2.0), 6);
  EXPECT_EQ(threads_for_load(4, 16, 0.0), 4);  // never more than the maximum
  EXPECT_EQ(threads_for_load(2, 2, -0.2), 2);  // counter noise reads as idle
}

// A sample `t` ms after the epoch in which other processes used
// `other_cores` cores and this process `self_cores` since the previous one.
struct Readings {
  double busy = 0, self = 0;
  int64_t ms = 0;
  CpuSample next(int64_t period_ms, double other_cores, double self_cores) {
    ms += period_ms;
    busy += (other_cores + self_cores) * static_cast<double>(period_ms) / 1000;
    self += self_cores * static_cast<double>(period_ms) / 1000;
    return CpuSample{busy, self, std::chrono::steady_clock::time_point(std::chrono::milliseconds(ms))};
  }
};

TEST(ThreadGovernor, ChangesTheTeamOnlyWhenTwoSamplesAgree) {
  ThreadGovernor g(2, true, {0, 1});
  Readings r;
  g.observe(r.next(100, 0.0, 2.0));  // the first sample only sets the origin
  EXPECT_EQ(g.current(), 2);
  g.observe(r.next(100, 1.0, 1.0));
  EXPECT_EQ(g.current(), 2) << "one busy period is not enough";
  g.observe(r.next(100, 1.0, 1.0));
  EXPECT_EQ(g.current(), 1);
  g.observe(r.next(100, 0.0, 1.0));
  EXPECT_EQ(g.current(), 1);
  g.observe(r.next(100, 1.0, 1.0));  // the competitor is back: no flip
  g.observe(r.next(100, 0.0, 1.0));
  EXPECT_EQ(g.current(), 1);
  g.observe(r.next(100, 0.0, 2.0));
  EXPECT_EQ(g.current(), 2) << "two idle periods give the core back";
}

TEST(ThreadGovernor, ADisabledGovernorKeepsTheMaximum) {
  ThreadGovernor g(4, false, {0, 1, 2, 3});
  Readings r;
  for (int i = 0; i < 4; ++i) g.observe(r.next(100, 4.0, 0.0));
  EXPECT_EQ(g.current(), 4);
}

// Two CPU-bound child processes pinned to the two CPUs the governor watches
// take them: the governor shrinks the team to one within a few samples.
TEST(ThreadGovernor, SeesCompetingProcesses) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof set, &set), 0);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE && cpus.size() < 2; ++c)
    if (CPU_ISSET(c, &set)) cpus.push_back(c);
  if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs";
  if (!tf::runtime::read_cpu_sample(cpus)) GTEST_SKIP() << "/proc/stat is not readable here";
  std::vector<pid_t> spinners;
  for (int c : cpus) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(c, &one);
      sched_setaffinity(0, sizeof one, &one);
      for (;;) asm volatile("" ::: "memory");  // spin (a side effect, so not UB)
    }
    spinners.push_back(pid);
  }
  ThreadGovernor g(2, true, cpus);
  int threads = g.threads();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (threads != 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(ThreadGovernor::kSamplePeriod);
    threads = g.threads();
  }
  for (pid_t pid : spinners) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  EXPECT_EQ(threads, 1);
}

// The seed MLP trained by Adam for a few steps, then run on a batch of two,
// with a team of `threads`: its weights and outputs.
std::vector<np::Array> train_mlp(int threads) {
  tf::Graph g;
  tf::Graph::DefaultGuard guard(g);
  tf::set_random_seed(7);
  tf::Tensor x = tf::placeholder(tf::float32, {-1, 784});
  tf::Tensor labels = tf::placeholder(tf::int64, {-1});
  tf::Tensor h = tf::layers::dense(x, 512, {.activation = tf::nn::relu});
  h = tf::layers::dense(h, 512, {.activation = tf::nn::relu});
  tf::Tensor logits = tf::layers::dense(h, 10);
  tf::Tensor loss = tf::losses::sparse_softmax_cross_entropy(labels, logits);
  tf::Operation train = tf::train::AdamOptimizer(0.001).minimize(loss);
  tf::Session s(g, {.intra_op_parallelism_threads = threads});
  s.run(tf::global_variables_initializer());
  np::Array in = np::Array::empty({128, 784});
  np::Array y = np::Array::empty({128}, tf::int64);
  for (int64_t i = 0; i < in.size(); ++i) in.data<float>()[i] = static_cast<float>((i * 7919) % 1000) / 1000.f;
  for (int64_t i = 0; i < 128; ++i) y.data<int64_t>()[i] = (i * 3) % 10;
  for (int step = 0; step < 5; ++step) s.run(train, {{x, in}, {labels, y}});
  std::vector<np::Array> out;
  for (const tf::Variable& v : tf::trainable_variables()) out.push_back(s.run(v.value()));
  out.push_back(s.run(logits, {{x, in}}));
  out.push_back(s.run(logits, {{x, np::full({2, 784}, 0.25)}}));
  return out;
}

TEST(ThreadGovernor, ResultsAreBitIdenticalAtAnyTeamSize) {
  const std::vector<np::Array> one = train_mlp(1), two = train_mlp(2), three = train_mlp(3);
  ASSERT_EQ(one.size(), two.size());
  for (size_t i = 0; i < one.size(); ++i) {
    EXPECT_TRUE(np::array_equal(one[i], two[i])) << "value " << i;
    EXPECT_TRUE(np::array_equal(one[i], three[i])) << "value " << i;
  }
}

}  // namespace
