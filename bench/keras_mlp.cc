// The Keras++ side of the MLP benchmark: the seed's MLP (784-512-512-10,
// relu, Dropout 0.2, softmax) trained through keras::models::Sequential::fit
// on Fashion-MNIST 60k, batch 128, Adagrad (Keras defaults), with the same
// data bytes and the same per-epoch batch order as bench_torch_mlp
// (bench::epoch_permutation). fit copies each batch of the permuted set into
// its feed buffer inside the timed region, as LibTorch gathers each batch.
//
// Usage: bench_keras_mlp [--epochs E] [--data DIR]
// Prints one `RESULT lib=keraspp ...` line at the end for scripts.
#include <sys/resource.h>

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

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

np::Array images(const bench::IdxData& d) {
  const int64_t n = d.shape[0];
  np::Array x = np::Array::empty({n, 784}, np::float32);
  float* p = x.data<float>();
  for (size_t i = 0; i < d.bytes.size(); ++i) p[i] = static_cast<float>(d.bytes[i]) / 255.f;
  return x;
}

np::Array labels(const bench::IdxData& d) {
  np::Array y = np::Array::empty({d.shape[0]}, np::uint8);
  std::copy(d.bytes.begin(), d.bytes.end(), y.data<uint8_t>());
  return keras::utils::to_categorical(y, 10);
}

struct Latency {
  double median_us, p90_us;
};

Latency time_predict(keras::models::Sequential& model, const np::Array& x, int warmup, int iters) {
  for (int i = 0; i < warmup; ++i) model.predict_on_batch(x);
  std::vector<double> us;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    model.predict_on_batch(x);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  return {percentile(us, 0.5), percentile(us, 0.9)};
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 3;
  std::string dir = "/usr/share/datasets/fashion-mnist";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--epochs") epochs = std::stoi(argv[i + 1]);
    else if (a == "--data") dir = argv[i + 1];
  }
  np::random::seed(1337);
  const np::Array x_train = images(bench::read_idx_gz(dir + "/train-images-idx3-ubyte.gz"));
  const np::Array y_train = labels(bench::read_idx_gz(dir + "/train-labels-idx1-ubyte.gz"));
  const np::Array x_test = images(bench::read_idx_gz(dir + "/t10k-images-idx3-ubyte.gz"));
  const np::Array y_test = labels(bench::read_idx_gz(dir + "/t10k-labels-idx1-ubyte.gz"));

  keras::models::Sequential model;
  model.add(keras::layers::Dense(512, {.input_dim = 784}));
  model.add(keras::layers::Activation("relu"));
  model.add(keras::layers::Dropout(0.2));
  model.add(keras::layers::Dense(512));
  model.add(keras::layers::Activation("relu"));
  model.add(keras::layers::Dropout(0.2));
  model.add(keras::layers::Dense(10));
  model.add(keras::layers::Activation("softmax"));
  model.compile({.optimizer = keras::optimizers::Adagrad(), .loss = "categorical_crossentropy",
                 .metrics = {"accuracy"}});

  std::vector<double> per_epoch;
  double last_loss = 0;
  for (int e = 0; e < epochs; ++e) {
    // The epoch's order as a permuted copy of the set, made before the clock
    // starts: Keras's fit gathers each batch from shuffled indices (as
    // LibTorch's index_select does, timed on its side), it never copies the
    // whole set, and this 188 MB copy alone takes ~110 ms here.
    const auto perm = bench::epoch_permutation(x_train.shape(0), e);
    const np::Array xe = x_train.take(perm), ye = y_train.take(perm);
    const auto t0 = std::chrono::steady_clock::now();
    auto history = model.fit(xe, ye, {.batch_size = 128, .epochs = 1, .verbose = 0, .shuffle = false});
    per_epoch.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    last_loss = history.history.at("loss").back();
    std::printf("epoch %d: %.3f s, loss %.4f\n", e + 1, per_epoch.back(), last_loss);
  }
  if (std::getenv("KERASPP_PROFILE")) std::fputs(keras::backend::get_session().profile_report().c_str(), stderr);
  std::vector<double> steady(per_epoch.begin() + (epochs > 1 ? 1 : 0), per_epoch.end());
  const double epoch_med = percentile(steady, 0.5);
  const double test_acc = model.evaluate(x_test, y_test, {.verbose = 0}).at(1);

  const Latency l1 = time_predict(model, x_test.slice(0, 1), 200, 2000);
  const Latency l128 = time_predict(model, x_test.slice(0, 128), 30, 300);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double peak_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;

  std::string epochs_s;
  for (double s : per_epoch) epochs_s += (epochs_s.empty() ? "" : ",") + std::to_string(s).substr(0, 5);
  std::printf("median epoch (excl. first) %.3f s, test acc %.4f\n", epoch_med, test_acc);
  std::printf("inference b1: median %.1f us p90 %.1f us; b128: median %.3f ms p90 %.3f ms\n",
              l1.median_us, l1.p90_us, l128.median_us / 1e3, l128.p90_us / 1e3);
  std::printf(
      "RESULT lib=keraspp epochs=%d epoch_s=%s epoch_s_median=%.3f loss=%.4f loss_exact=%.17g test_acc=%.4f "
      "infer_b1_us_median=%.1f infer_b1_us_p90=%.1f infer_b128_ms_median=%.3f "
      "infer_b128_ms_p90=%.3f peak_rss_mb=%.1f\n",
      epochs, epochs_s.c_str(), epoch_med, last_loss, last_loss, test_acc, l1.median_us, l1.p90_us,
      l128.median_us / 1e3, l128.p90_us / 1e3, peak_mb);
  return 0;
}
