// keras.utils.Progbar (Keras 2.0.2's generic_utils.Progbar): the progress bar
//   60000/60000 [==============================] - 3s - loss: 0.2454 - acc: 0.9241
// Live ('\b'/'\r' redraws) when the output is a terminal; otherwise only the
// final line. Where it writes and the clock it reads are injectable
// (ScopedProgbarOutput) so tests can pin its text.
#pragma once
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace keras::utils {

// Seconds on a monotonic clock.
using ProgbarClock = std::function<double()>;

// Where fit's and Progbar's text goes: the stream, whether it is a terminal
// (live redraws) and the clock. Default: std::cout, isatty(stdout), steady clock.
struct ProgbarOutput {
  std::ostream* stream = nullptr;
  bool is_terminal = false;
  ProgbarClock clock = nullptr;
};
// The current output (thread-local; the default until a guard replaces it).
const ProgbarOutput& progbar_output();
// Replaces the output for its lifetime: ScopedProgbarOutput out({&oss, false, fake_clock});
class ScopedProgbarOutput {
 public:
  explicit ScopedProgbarOutput(ProgbarOutput out);
  ~ScopedProgbarOutput();
  ScopedProgbarOutput(const ScopedProgbarOutput&) = delete;
  ScopedProgbarOutput& operator=(const ScopedProgbarOutput&) = delete;

 private:
  ProgbarOutput saved_;
};

struct ProgbarOptions {
  int width = 30;
  int verbose = 1;         // 1: bar, 2: one summary line at the end
  double interval = 0.01;  // minimum seconds between redraws
};

class Progbar {
 public:
  // target: total number of steps expected (-1 if unknown).
  explicit Progbar(int64_t target, const ProgbarOptions& opts = {});
  using Values = std::vector<std::pair<std::string, double>>;
  // current: index of the current step; values are averaged over the steps
  // they were seen for (weighted by the step count since the last update).
  void update(int64_t current, const Values& values = {}, bool force = false);
  void add(int64_t n, const Values& values = {});

 private:
  int64_t target_;
  ProgbarOptions opts_;
  std::vector<std::string> unique_values_;
  std::vector<std::pair<double, int64_t>> sum_values_;  // parallel to unique_values_
  double start_;
  double last_update_ = 0;
  int64_t total_width_ = 0;
  int64_t seen_so_far_ = 0;
};

// Python's repr of a float ("0.001", "1e-05", "0.30000000000000004"):
// CSVLogger and ReduceLROnPlateau print values this way.
std::string python_float_repr(double v);

}  // namespace keras::utils
