// LibTorch side of the CNN benchmark: Keras's mnist_cnn.py model (conv 32
// 3x3 relu, conv 64 3x3 relu, max-pool 2x2, dropout 0.25, flatten, linear
// 128 relu, dropout 0.5, linear 10, softmax cross-entropy), Keras 2.0's
// Adadelta (lr 1.0, rho 0.95, eps 1e-8; this LibTorch has no Adadelta, so
// the update is written out below), batch 128, on Fashion-MNIST.
//
// Like for like with bench_keras_cnn: the same IDX bytes scaled by 1/255,
// the same per-epoch order (bench::epoch_permutation), glorot-uniform
// kernels and zero biases (Keras's defaults), wall clock of the whole epoch
// with batch gathering, median over epochs 2..E. LibTorch's layout is NCHW
// (its native one); Keras++ runs channels_last.
//
// Usage: bench_torch_cnn [--epochs E] [--threads N] [--data DIR] [--limit N]
// Prints one `RESULT lib=libtorch ...` line at the end for scripts.
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "cpu_load.h"
#include "idx_gz.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(k, v.size() - 1)];
}

struct Dataset {
  torch::Tensor x;  // (N, 1, 28, 28) float32 in [0, 1]
  torch::Tensor y;  // (N,) int64
};

Dataset load(const std::string& dir, const std::string& prefix, int64_t limit) {
  auto img = bench::read_idx_gz(dir + "/" + prefix + "-images-idx3-ubyte.gz");
  auto lab = bench::read_idx_gz(dir + "/" + prefix + "-labels-idx1-ubyte.gz");
  const int64_t n = std::min(img.shape.at(0), limit);
  auto x = torch::from_blob(img.bytes.data(), {n, 1, 28, 28}, torch::kUInt8).to(torch::kFloat32).div_(255.0f);
  auto y = torch::from_blob(lab.bytes.data(), {n}, torch::kUInt8).to(torch::kInt64);
  return {x.contiguous(), y.contiguous()};
}

struct CnnImpl : torch::nn::Module {
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
  torch::nn::Dropout drop1{nullptr}, drop2{nullptr};

  CnnImpl() {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 32, 3)));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3)));
    fc1 = register_module("fc1", torch::nn::Linear(9216, 128));
    fc2 = register_module("fc2", torch::nn::Linear(128, 10));
    drop1 = register_module("drop1", torch::nn::Dropout(0.25));
    drop2 = register_module("drop2", torch::nn::Dropout(0.5));
    // Keras's glorot_uniform (fan_in = in * kh * kw, fan_out = out * kh * kw,
    // as torch's xavier computes for conv weights too) and zero biases.
    for (auto& p : named_parameters()) {
      if (p.key().find("weight") != std::string::npos) torch::nn::init::xavier_uniform_(p.value());
      else torch::nn::init::zeros_(p.value());
    }
  }

  torch::Tensor forward(torch::Tensor x) {
    x = torch::relu(conv1(x));
    x = torch::relu(conv2(x));
    x = drop1(torch::max_pool2d(x, 2));
    x = drop2(torch::relu(fc1(x.flatten(1))));
    return fc2(x);
  }
};
TORCH_MODULE(Cnn);

// Keras 2.0's Adadelta: a = rho a + (1 - rho) g^2; u = g sqrt(d + eps) /
// sqrt(a + eps); p -= lr u; d = rho d + (1 - rho) u^2.
struct Adadelta {
  std::vector<torch::Tensor> params, accumulators, delta_accumulators;
  double lr = 1.0, rho = 0.95, eps = 1e-8;
  explicit Adadelta(std::vector<torch::Tensor> p) : params(std::move(p)) {
    for (auto& t : params) {
      accumulators.push_back(torch::zeros_like(t));
      delta_accumulators.push_back(torch::zeros_like(t));
    }
  }
  void zero_grad() {
    for (auto& t : params)
      if (t.grad().defined()) t.grad().zero_();
  }
  void step() {
    torch::NoGradGuard no_grad;
    for (size_t i = 0; i < params.size(); ++i) {
      const torch::Tensor g = params[i].grad();
      accumulators[i].mul_(rho).addcmul_(g, g, 1 - rho);
      const torch::Tensor update = g * (delta_accumulators[i] + eps).sqrt_() / (accumulators[i] + eps).sqrt_();
      params[i].sub_(update, lr);
      delta_accumulators[i].mul_(rho).addcmul_(update, update, 1 - rho);
    }
  }
};

struct Latency {
  double median_us, p90_us;
};

Latency time_inference(Cnn& model, const torch::Tensor& x, int warmup, int iters) {
  torch::NoGradGuard no_grad;
  model->eval();
  for (int i = 0; i < warmup; ++i) (void)torch::softmax(model->forward(x), 1);
  std::vector<double> us;
  for (int i = 0; i < iters; ++i) {
    const auto t0 = Clock::now();
    auto p = torch::softmax(model->forward(x), 1);
    us.push_back(seconds_since(t0) * 1e6);
    if (p.size(0) != x.size(0)) std::abort();
  }
  return {percentile(us, 0.5), percentile(us, 0.9)};
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 2, threads = 2;
  int64_t limit = 60000;
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--epochs") epochs = std::stoi(argv[i + 1]);
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
    else if (a == "--data") data_dir = argv[i + 1];
    else if (a == "--limit") limit = std::stoll(argv[i + 1]);
    else {
      std::cerr << "usage: " << argv[0] << " [--epochs E] [--threads N] [--data DIR] [--limit N]\n";
      return 2;
    }
  }
  torch::set_num_threads(threads);
  torch::manual_seed(1337);
  Dataset train, test;
  try {
    train = load(data_dir, "train", limit);
    test = load(data_dir, "t10k", 10000);
  } catch (const std::exception& e) {
    std::cerr << "data: " << e.what() << " (apt-get install dataset-fashion-mnist)\n";
    return 1;
  }
  const int64_t n = train.x.size(0), batch = 128;
  Cnn model;
  Adadelta opt(model->parameters());
  std::printf("LibTorch %s mnist_cnn, batch %lld, %d epoch(s), torch threads %d\n", TORCH_VERSION,
              static_cast<long long>(batch), epochs, torch::get_num_threads());

  std::vector<double> epoch_s;
  double last_loss = 0.0;
  for (int e = 0; e < epochs; ++e) {
    bench::CpuLoad load;
    const auto t0 = Clock::now();
    model->train();
    auto perm_vec = bench::epoch_permutation(n, e);
    auto perm = torch::from_blob(perm_vec.data(), {n}, torch::kInt64);
    double loss_sum = 0.0;
    for (int64_t b = 0; b < n; b += batch) {
      const int64_t m = std::min(batch, n - b);
      auto idx = perm.slice(0, b, b + m);
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(train.x.index_select(0, idx)),
                                                       train.y.index_select(0, idx));
      loss.backward();
      opt.step();
      loss_sum += loss.item<double>() * static_cast<double>(m);
    }
    epoch_s.push_back(seconds_since(t0));
    last_loss = loss_sum / static_cast<double>(n);
    std::printf("epoch %d/%d  %.3f s  loss %.4f  (cpu: self %.2f cores, others %.2f cores)\n", e + 1, epochs,
                epoch_s.back(), last_loss, load.self_s() / load.wall_s(), load.others_s() / load.wall_s());
    std::fflush(stdout);
  }
  std::vector<double> steady(epoch_s.begin() + (epochs > 1 ? 1 : 0), epoch_s.end());
  const double epoch_med = percentile(steady, 0.5);
  double test_acc;
  {
    torch::NoGradGuard no_grad;
    model->eval();
    test_acc = model->forward(test.x).argmax(1).eq(test.y).to(torch::kFloat64).mean().item<double>();
  }
  const Latency l1 = time_inference(model, test.x.slice(0, 0, 1).contiguous(), 100, 1000);
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  const double peak_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;
  std::string per_epoch;
  for (size_t i = 0; i < epoch_s.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.3f", i ? "," : "", epoch_s[i]);
    per_epoch += buf;
  }
  std::printf(
      "RESULT lib=libtorch model=cnn threads=%d epochs=%d epoch_s=%s epoch_s_median=%.3f loss=%.4f test_acc=%.4f "
      "infer_b1_us_median=%.1f infer_b1_us_p90=%.1f peak_rss_mb=%.1f\n",
      torch::get_num_threads(), epochs, per_epoch.c_str(), epoch_med, last_loss, test_acc, l1.median_us,
      l1.p90_us, peak_mb);
  return 0;
}
