// The LibTorch side of the LSTM benchmark (issue 14): torch::nn::LSTM(256,
// 512, batch_first) over [batch 64, 100 steps, 256 inputs], its last output
// against a target by mean squared error, SGD (lr 0.01, Keras's default).
// Times a train step (forward, backward, step) and inference (no_grad
// forward), medians over N steps after 3 warm-up steps, as bench_keras_lstm.
// Built and run as bench_torch_mlp is (bench/run.sh picks OpenBLAS).
//
// Usage: bench_torch_lstm [--steps N] [--threads N]
// Prints one `RESULT lib=libtorch ...` line at the end for scripts.
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace {

constexpr int64_t kBatch = 64, kSteps = 100, kInputs = 256, kUnits = 512;

using Clock = std::chrono::steady_clock;

template <class F> double time_ms(F&& f, int warmup, int iters) {
  for (int i = 0; i < warmup; ++i) f();
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = Clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int iters = 20, threads = 2;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--steps") iters = std::stoi(argv[i + 1]);
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
  }
  torch::set_num_threads(threads);
  torch::manual_seed(1337);
  torch::nn::LSTM lstm(torch::nn::LSTMOptions(kInputs, kUnits).batch_first(true));
  torch::optim::SGD opt(lstm->parameters(), torch::optim::SGDOptions(0.01));
  const torch::Tensor x = torch::rand({kBatch, kSteps, kInputs}) * 2 - 1;
  const torch::Tensor y = torch::rand({kBatch, kUnits}) * 2 - 1;

  double loss = 0;
  const double train_ms = time_ms(
      [&] {
        opt.zero_grad();
        const torch::Tensor out = std::get<0>(lstm->forward(x));
        const torch::Tensor l = torch::mse_loss(out.select(1, kSteps - 1), y);
        l.backward();
        opt.step();
        loss = l.item<double>();
      },
      3, iters);
  const double infer_ms = time_ms(
      [&] {
        torch::NoGradGuard no_grad;
        const torch::Tensor out = std::get<0>(lstm->forward(x));
        if (out.size(0) != kBatch) std::abort();
      },
      3, iters);
  std::printf("LibTorch %s LSTM(%lld) batch %lld x %lld steps x %lld inputs, %d thread(s)\n", TORCH_VERSION,
              static_cast<long long>(kUnits), static_cast<long long>(kBatch), static_cast<long long>(kSteps),
              static_cast<long long>(kInputs), torch::get_num_threads());
  std::printf("train step median %.2f ms, inference median %.2f ms, loss %.6f\n", train_ms, infer_ms, loss);
  std::printf("RESULT lib=libtorch threads=%d train_ms=%.3f infer_ms=%.3f loss=%.9g\n", torch::get_num_threads(),
              train_ms, infer_ms, loss);
  return 0;
}
