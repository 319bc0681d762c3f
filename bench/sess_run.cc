// sess.run overhead from C++: the twin of bench/python_sess_run.py. A small
// graph (y = relu(x . w + b) for a [1, 4] x, fed each call) is run many
// times; the median per-call time is printed.
//
// Usage: bench_sess_run [--iters N]
// Prints one `RESULT lib=cpp sess_run_us_median=...` line for scripts.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "keraspp/np.h"
#include "keraspp/tf.h"

int main(int argc, char** argv) {
  int iters = 20000;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--iters") iters = std::stoi(argv[i + 1]);
  tf::Graph g;
  auto guard = g.as_default();
  tf::Tensor x = tf::placeholder(tf::float32, tf::TensorShape({1, 4}), "x");
  tf::Tensor w = tf::constant(np::full({4, 4}, 0.5));
  tf::Tensor b = tf::constant(np::full({4}, 0.1));
  tf::Tensor y = tf::nn::relu(tf::matmul(x, w) + b);
  const np::Array feed = np::full({1, 4}, 1.0);
  tf::Session sess(g);
  for (int i = 0; i < 1000; ++i) sess.run(y, {{x, feed}});
  std::vector<double> us;
  us.reserve(static_cast<size_t>(iters));
  for (int i = 0; i < iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    sess.run(y, {{x, feed}});
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  const double median = us[us.size() / 2], p90 = us[us.size() * 9 / 10];
  std::printf("sess.run from C++: median %.2f us, p90 %.2f us\n", median, p90);
  std::printf("RESULT lib=cpp sess_run_us_median=%.2f sess_run_us_p90=%.2f\n", median, p90);
  return 0;
}
