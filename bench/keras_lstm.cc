// The Keras++ side of the LSTM benchmark (issue 14): LSTM(512) over
// [batch 64, 100 steps, 256 inputs], sigmoid gates (as LibTorch's and
// cuDNN's LSTM), its last output against a target by mean squared error,
// SGD. Times a train step (train_on_batch: forward, BPTT, update) and
// inference (predict_on_batch), and the step's GEMM roofline: the step's
// products (the input projection of all steps, 100 recurrent products; 3x
// that for a train step) at the rate oneDNN's sgemm reaches on those shapes.
//
// Each figure is also given in process CPU time (the least over the timed
// repetitions): run with OMP_NUM_THREADS=1 on a shared machine, where
// wall-clock times are noise, and compare those with the roofline's.
//
// Usage: bench_keras_lstm [--steps N]
// Prints one `RESULT lib=keraspp ...` line at the end for scripts.
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "cpu_load.h"

namespace {

constexpr int64_t kBatch = 64, kSteps = 100, kInputs = 256, kUnits = 512;

using Clock = std::chrono::steady_clock;

double median_ms(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// A timed region: the median wall-clock and the least CPU milliseconds.
struct Timing {
  double wall_ms, cpu_ms;
};

template <class F> Timing time_ms(F&& f, int warmup, int iters) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> ms;
  double cpu = 1e300;
  for (int i = 0; i < iters; ++i) {
    const bench::CpuLoad load;
    const auto t0 = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    cpu = std::min(cpu, 1e3 * load.self_s());
  }
  return {median_ms(ms), cpu};
}

// Milliseconds oneDNN's sgemm takes for one forward pass's products: the
// input projection [B*T, I] x [I, 4U] and T recurrent products [B, U] x [U, 4U].
Timing forward_gemm_ms() {
  std::vector<float> x(kBatch * kSteps * kInputs, 0.5f), k(kInputs * 4 * kUnits, 0.01f),
      r(kUnits * 4 * kUnits, 0.01f), h(kBatch * kUnits, 0.5f), out(kBatch * kSteps * 4 * kUnits);
  auto pass = [&] {
    dnnl_sgemm('N', 'N', kBatch * kSteps, 4 * kUnits, kInputs, 1.f, x.data(), kInputs, k.data(), 4 * kUnits, 0.f,
               out.data(), 4 * kUnits);
    for (int64_t t = 0; t < kSteps; ++t)
      dnnl_sgemm('N', 'N', kBatch, 4 * kUnits, kUnits, 1.f, h.data(), kUnits, r.data(), 4 * kUnits, 1.f,
                 out.data() + t * kBatch * 4 * kUnits, 4 * kUnits);
  };
  return time_ms(pass, 3, 15);
}

}  // namespace

int main(int argc, char** argv) {
  int iters = 20;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::string(argv[i]) == "--steps") iters = std::stoi(argv[i + 1]);
  np::random::seed(1337);
  keras::models::Sequential model;
  model.add(keras::layers::LSTM(kUnits, {.recurrent_activation = "sigmoid", .input_shape = {kSteps, kInputs}}));
  model.compile({.optimizer = keras::optimizers::SGD(), .loss = "mse"});
  const np::Array x = np::random::uniform(-1, 1, {kBatch, kSteps, kInputs}).astype(np::float32);
  const np::Array y = np::random::uniform(-1, 1, {kBatch, kUnits}).astype(np::float32);

  double loss = 0;
  const Timing train = time_ms([&] { loss = model.train_on_batch(x, y).at(0); }, 3, iters);
  const Timing infer = time_ms([&] { model.predict_on_batch(x); }, 3, iters);
  const Timing roof = forward_gemm_ms();
  const double train_ms = train.wall_ms, infer_ms = infer.wall_ms, roof_fwd = roof.wall_ms;
  std::printf("Keras++ LSTM(%lld) batch %lld x %lld steps x %lld inputs\n", static_cast<long long>(kUnits),
              static_cast<long long>(kBatch), static_cast<long long>(kSteps), static_cast<long long>(kInputs));
  std::printf("train step median %.2f ms (roofline %.2f ms), inference median %.2f ms (roofline %.2f ms), loss %.6f\n",
              train_ms, 3 * roof_fwd, infer_ms, roof_fwd, loss);
  std::printf("CPU time (least): train step %.2f ms (roofline %.2f ms), inference %.2f ms (roofline %.2f ms)\n",
              train.cpu_ms, 3 * roof.cpu_ms, infer.cpu_ms, roof.cpu_ms);
  std::printf("RESULT lib=keraspp train_ms=%.3f infer_ms=%.3f roofline_train_ms=%.3f roofline_infer_ms=%.3f loss=%.9g "
              "train_cpu_ms=%.3f infer_cpu_ms=%.3f roofline_train_cpu_ms=%.3f roofline_infer_cpu_ms=%.3f\n",
              train_ms, infer_ms, 3 * roof_fwd, roof_fwd, loss, train.cpu_ms, infer.cpu_ms, 3 * roof.cpu_ms,
              roof.cpu_ms);
  return 0;
}
