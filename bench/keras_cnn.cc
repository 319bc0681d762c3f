// The Keras++ side of the CNN benchmark: Keras's mnist_cnn.py model (Conv2D
// 32 3x3 relu, Conv2D 64 3x3 relu, MaxPooling2D 2x2, Dropout 0.25, Flatten,
// Dense 128 relu, Dropout 0.5, Dense 10 softmax; Adadelta; batch 128)
// trained through keras::models::Sequential::fit on Fashion-MNIST 60k, with
// the same data bytes and per-epoch batch order as bench_torch_cnn
// (bench::epoch_permutation).
//
// Usage: bench_keras_cnn [--epochs E] [--data DIR] [--limit N]
// (--limit: the first N training images, for a quick look). Prints one
// `RESULT lib=keraspp ...` line at the end for scripts; loss_exact is the
// final epoch's loss to 17 digits (the determinism check compares reruns).
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "idx_gz.h"
#include "keraspp/keras.h"
#include "keraspp/np.h"

namespace {

namespace L = keras::layers;

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

// [n, 28, 28, 1] float32 in [0, 1] (channels_last, Keras's default).
np::Array images(const bench::IdxData& d, int64_t limit) {
  const int64_t n = std::min(d.shape[0], limit);
  np::Array x = np::Array::empty({n, 28, 28, 1}, np::float32);
  float* p = x.data<float>();
  for (int64_t i = 0; i < n * 784; ++i) p[i] = static_cast<float>(d.bytes[static_cast<size_t>(i)]) / 255.f;
  return x;
}

np::Array labels(const bench::IdxData& d, int64_t limit) {
  const int64_t n = std::min(d.shape[0], limit);
  np::Array y = np::Array::empty({n}, np::uint8);
  std::copy(d.bytes.begin(), d.bytes.begin() + n, y.data<uint8_t>());
  return keras::utils::to_categorical(y, 10);
}

keras::models::Sequential mnist_cnn() {
  keras::models::Sequential model;
  model.add(L::Conv2D(32, {3, 3}, {.activation = "relu", .input_shape = {28, 28, 1}}));
  model.add(L::Conv2D(64, {3, 3}, {.activation = "relu"}));
  model.add(L::MaxPooling2D({.pool_size = {2, 2}}));
  model.add(L::Dropout(0.25));
  model.add(L::Flatten());
  model.add(L::Dense(128, {.activation = "relu"}));
  model.add(L::Dropout(0.5));
  model.add(L::Dense(10, {.activation = "softmax"}));
  model.compile({.optimizer = keras::optimizers::Adadelta(), .loss = "categorical_crossentropy",
                 .metrics = {"accuracy"}});
  return model;
}

// Wall-clock median and p90, and the median of the process's CPU time per
// call (the figure that holds on a shared machine, single-threaded).
struct Latency {
  double median_us, p90_us, cpu_median_us;
};

double cpu_us() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return 1e6 * static_cast<double>(ts.tv_sec) + 1e-3 * static_cast<double>(ts.tv_nsec);
}

Latency time_predict(keras::models::Sequential& model, const np::Array& x, int warmup, int iters) {
  for (int i = 0; i < warmup; ++i) model.predict_on_batch(x);
  std::vector<double> us, cpu;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_us();
    model.predict_on_batch(x);
    cpu.push_back(cpu_us() - c0);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  return {percentile(us, 0.5), percentile(us, 0.9), percentile(cpu, 0.5)};
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 2;
  int64_t limit = 60000;
  std::string dir = "/usr/share/datasets/fashion-mnist";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--epochs") epochs = std::stoi(argv[i + 1]);
    else if (a == "--data") dir = argv[i + 1];
    else if (a == "--limit") limit = std::stoll(argv[i + 1]);
  }
  np::random::seed(1337);
  const np::Array x_train = images(bench::read_idx_gz(dir + "/train-images-idx3-ubyte.gz"), limit);
  const np::Array y_train = labels(bench::read_idx_gz(dir + "/train-labels-idx1-ubyte.gz"), limit);
  const np::Array x_test = images(bench::read_idx_gz(dir + "/t10k-images-idx3-ubyte.gz"), 10000);
  const np::Array y_test = labels(bench::read_idx_gz(dir + "/t10k-labels-idx1-ubyte.gz"), 10000);
  keras::models::Sequential model = mnist_cnn();

  std::vector<double> per_epoch;
  double last_loss = 0;
  for (int e = 0; e < epochs; ++e) {
    // The epoch's order as a permuted copy made before the clock starts (as
    // bench_keras_mlp does: fit gathers batches, it never copies the set).
    const auto perm = bench::epoch_permutation(x_train.shape(0), e);
    const np::Array xe = x_train.take(perm), ye = y_train.take(perm);
    const auto t0 = std::chrono::steady_clock::now();
    auto history = model.fit(xe, ye, {.batch_size = 128, .epochs = 1, .verbose = 0, .shuffle = false});
    per_epoch.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    last_loss = history.history.at("loss").back();
    std::printf("epoch %d: %.3f s, loss %.4f\n", e + 1, per_epoch.back(), last_loss);
  }
  // Where the time goes: the session's per-op profile, on request.
  if (std::getenv("KERASPP_PROFILE")) std::fputs(keras::backend::get_session().profile_report().c_str(), stderr);
  std::vector<double> steady(per_epoch.begin() + (epochs > 1 ? 1 : 0), per_epoch.end());
  const double epoch_med = percentile(steady, 0.5);
  const double test_acc = model.evaluate(x_test, y_test, {.verbose = 0}).at(1);
  const Latency l1 = time_predict(model, x_test.slice(0, 1), 100, 1000);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double peak_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;

  std::string epochs_s;
  for (double s : per_epoch) epochs_s += (epochs_s.empty() ? "" : ",") + std::to_string(s).substr(0, 5);
  std::printf(
      "median epoch (excl. first) %.3f s, test acc %.4f, inference b1 median %.1f us p90 %.1f us (CPU time "
      "median %.1f us)\n",
      epoch_med, test_acc, l1.median_us, l1.p90_us, l1.cpu_median_us);
  std::printf(
      "RESULT lib=keraspp model=cnn epochs=%d epoch_s=%s epoch_s_median=%.3f loss=%.4f loss_exact=%.17g "
      "test_acc=%.4f infer_b1_us_median=%.1f infer_b1_us_p90=%.1f infer_b1_cpu_us_median=%.1f peak_rss_mb=%.1f\n",
      epochs, epochs_s.c_str(), epoch_med, last_loss, last_loss, test_acc, l1.median_us, l1.p90_us,
      l1.cpu_median_us, peak_mb);
  return 0;
}
