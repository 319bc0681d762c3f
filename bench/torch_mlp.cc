// LibTorch side of the Keras++ vs LibTorch benchmark: the seed's Keras 2 MLP
// (784-512-512-10, ReLU, Dropout 0.2, softmax cross-entropy, Keras-default
// Adagrad) trained on Fashion-MNIST, batch 128.
//
// What must match the Keras++ side so the comparison is like for like:
//  - data: the same IDX bytes scaled by 1/255 to float32 in [0,1];
//  - order: bench::epoch_permutation (std::mt19937_64 seeded 1337+epoch, then
//    std::shuffle of 0..59999), last partial batch (96 samples) kept, as Keras;
//  - init: glorot-uniform kernels, zero biases (Keras Dense defaults);
//  - optimizer: Keras 2.0.2 Adagrad: lr 0.01, accumulator from 0, eps 1e-8;
//  - timing: wall clock of the whole epoch, batch gathering included,
//    evaluation excluded; median taken over epochs 2..E because epoch 1
//    includes first-touch allocation and oneDNN/BLAS warm-up.
//
// Usage: bench_torch_mlp [--epochs E] [--threads N] [--data DIR] [--config]
// Prints one `RESULT lib=libtorch ...` line at the end for scripts.
#include <dlfcn.h>
#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "cpu_load.h"
#include "idx_gz.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Nearest-rank percentile; good enough for latency summaries.
double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  size_t k = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(k, v.size() - 1)];
}

double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

// Debian's LibTorch is built with BLAS_INFO=generic: its fp32 matmuls go to
// whatever libblas.so.3 the dynamic linker picks (the reference BLAS by
// default, OpenBLAS via the alternatives system or LD_LIBRARY_PATH). Report
// which one was loaded, since it decides LibTorch's speed.
std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    auto pos = line.find('/');
    if (pos == std::string::npos) continue;
    std::string path = line.substr(pos);
    if (path.find("libblas.so") == std::string::npos && path.find("libopenblas") == std::string::npos) continue;
    char real[4096];
    if (realpath(path.c_str(), real)) path = real;
    // .../x86_64-linux-gnu/<variant>/libblas.so.3 -> <variant>
    auto slash = path.rfind('/');
    auto prev = slash == 0 || slash == std::string::npos ? std::string::npos : path.rfind('/', slash - 1);
    return prev == std::string::npos ? path : path.substr(prev + 1, slash - prev - 1);
  }
  return "none";
}

// OpenBLAS picks its kernels from the CPU model; 0.3.21 does not know this
// machine's Xeon (family 6 model 207) and falls back to "Prescott" (SSE3),
// ~4x slower. Looked up at run time so the program links against any BLAS.
std::string openblas_core() {
  using Fn = char* (*)();
  auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return fn ? fn() : "n/a";
}

struct Dataset {
  torch::Tensor x;  // (N, 784) float32 in [0,1]
  torch::Tensor y;  // (N,) int64 class indices (cross_entropy wants indices)
};

Dataset load(const std::string& dir, const std::string& prefix) {
  auto img = bench::read_idx_gz(dir + "/" + prefix + "-images-idx3-ubyte.gz");
  auto lab = bench::read_idx_gz(dir + "/" + prefix + "-labels-idx1-ubyte.gz");
  int64_t n = img.shape.at(0);
  int64_t d = img.shape.at(1) * img.shape.at(2);
  // from_blob does not own the bytes; convert (copies) before the vectors die.
  auto x = torch::from_blob(img.bytes.data(), {n, d}, torch::kUInt8).to(torch::kFloat32).div_(255.0f);
  auto y = torch::from_blob(lab.bytes.data(), {n}, torch::kUInt8).to(torch::kInt64);
  return {x.contiguous(), y.contiguous()};
}

struct MLPImpl : torch::nn::Module {
  torch::nn::Linear fc1{nullptr}, fc2{nullptr}, fc3{nullptr};
  torch::nn::Dropout drop1{nullptr}, drop2{nullptr};

  MLPImpl() {
    fc1 = register_module("fc1", torch::nn::Linear(784, 512));
    fc2 = register_module("fc2", torch::nn::Linear(512, 512));
    fc3 = register_module("fc3", torch::nn::Linear(512, 10));
    drop1 = register_module("drop1", torch::nn::Dropout(0.2));
    drop2 = register_module("drop2", torch::nn::Dropout(0.2));
    // Keras Dense defaults instead of PyTorch's kaiming-uniform: the weight is
    // (out, in) here but glorot's limit sqrt(6/(fan_in+fan_out)) is symmetric.
    for (auto* fc : {&fc1, &fc2, &fc3}) {
      torch::nn::init::xavier_uniform_((*fc)->weight);
      torch::nn::init::zeros_((*fc)->bias);
    }
  }

  // Returns logits; softmax is folded into the loss for training (stable and
  // what a fused Keras++ softmax+cross-entropy does) and applied explicitly
  // at inference so both sides return probabilities.
  torch::Tensor forward(torch::Tensor x) {
    x = drop1(torch::relu(fc1(x)));
    x = drop2(torch::relu(fc2(x)));
    return fc3(x);
  }
};
TORCH_MODULE(MLP);

struct Latency {
  double median_us, p90_us;
};

Latency time_inference(MLP& model, const torch::Tensor& x, int warmup, int iters) {
  torch::NoGradGuard no_grad;
  model->eval();
  for (int i = 0; i < warmup; ++i) (void)torch::softmax(model->forward(x), 1);
  std::vector<double> us;
  us.reserve(static_cast<size_t>(iters));
  for (int i = 0; i < iters; ++i) {
    auto t0 = Clock::now();
    auto p = torch::softmax(model->forward(x), 1);
    us.push_back(seconds_since(t0) * 1e6);
    // Keep the result observably used so no future lazy backend could skip it.
    if (p.size(0) != x.size(0)) std::abort();
  }
  return {median(us), percentile(us, 0.9)};
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 3;
  int threads = 2;  // "plain" setting: one thread per core of this machine
  bool show_config = false;
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << a << " needs a value\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--epochs") epochs = std::stoi(next());
    else if (a == "--threads") threads = std::stoi(next());
    else if (a == "--data") data_dir = next();
    else if (a == "--config") show_config = true;
    else {
      std::cerr << "usage: " << argv[0] << " [--epochs E] [--threads N] [--data DIR] [--config]\n";
      return 2;
    }
  }
  if (epochs < 1 || threads < 1) {
    std::cerr << "--epochs and --threads must be >= 1\n";
    return 2;
  }

  torch::set_num_threads(threads);
  torch::manual_seed(1337);  // init and dropout masks repeatable run to run
  if (show_config) std::cout << torch::show_config() << at::get_parallel_info() << '\n';

  Dataset train, test;
  try {
    train = load(data_dir, "train");
    test = load(data_dir, "t10k");
  } catch (const std::exception& e) {
    std::cerr << "data: " << e.what() << " (apt-get install dataset-fashion-mnist)\n";
    return 1;
  }
  const int64_t n = train.x.size(0);
  const int64_t batch = 128;

  MLP model;
  torch::optim::Adagrad opt(model->parameters(),
                            torch::optim::AdagradOptions(0.01).eps(1e-8).initial_accumulator_value(0.0));

  const std::string blas = loaded_blas(), core = openblas_core();
  std::printf("LibTorch %s MLP 784-512-512-10, batch %lld, %d epoch(s), torch threads %d, BLAS %s (core %s)\n",
              TORCH_VERSION, static_cast<long long>(batch), epochs, torch::get_num_threads(), blas.c_str(),
              core.c_str());

  std::vector<double> epoch_s;
  double last_loss = 0.0;
  double train_self_s = 0, train_others_s = 0, train_wall_s = 0;
  for (int e = 0; e < epochs; ++e) {
    bench::CpuLoad load;
    // The shuffle is inside the timed region, as it is inside Keras's fit().
    auto t0 = Clock::now();
    model->train();
    auto perm_vec = bench::epoch_permutation(n, e);
    auto perm = torch::from_blob(perm_vec.data(), {n}, torch::kInt64);
    double loss_sum = 0.0;
    int64_t seen = 0;
    for (int64_t b = 0; b < n; b += batch) {
      int64_t m = std::min(batch, n - b);
      auto idx = perm.slice(0, b, b + m);
      auto xb = train.x.index_select(0, idx);
      auto yb = train.y.index_select(0, idx);
      opt.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(xb), yb);
      loss.backward();
      opt.step();
      // Sample-weighted mean, as Keras's epoch loss (last batch is smaller).
      loss_sum += loss.item<double>() * static_cast<double>(m);
      seen += m;
    }
    epoch_s.push_back(seconds_since(t0));
    last_loss = loss_sum / static_cast<double>(seen);
    // CPU use of this process and of everything else: tells apart "LibTorch
    // is slow" from "a build ran on the same 2 cores meanwhile".
    double self = load.self_s(), others = load.others_s(), wall = load.wall_s();
    train_wall_s += wall;
    train_self_s += self;
    train_others_s += others;
    std::printf("epoch %d/%d  %.3f s  loss %.4f  (cpu: self %.2f cores, others %.2f cores)\n", e + 1, epochs,
                epoch_s.back(), last_loss, self / wall, others / wall);
    std::fflush(stdout);
  }
  std::vector<double> steady(epoch_s.begin() + (epochs > 1 ? 1 : 0), epoch_s.end());
  double epoch_med = median(steady);

  double test_acc;
  {
    torch::NoGradGuard no_grad;
    model->eval();
    auto pred = model->forward(test.x).argmax(1);
    test_acc = pred.eq(test.y).to(torch::kFloat64).mean().item<double>();
  }
  std::printf("median epoch (excl. first) %.3f s, final train loss %.4f, test acc %.4f\n", epoch_med,
              last_loss, test_acc);

  auto x1 = test.x.slice(0, 0, 1).contiguous();
  auto x128 = test.x.slice(0, 0, 128).contiguous();
  Latency l1 = time_inference(model, x1, 200, 2000);
  Latency l128 = time_inference(model, x128, 30, 300);
  std::printf("inference b1: median %.1f us p90 %.1f us; b128: median %.3f ms p90 %.3f ms\n", l1.median_us,
              l1.p90_us, l128.median_us / 1e3, l128.p90_us / 1e3);

  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  double peak_mb = static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB

  std::string per_epoch;
  for (size_t i = 0; i < epoch_s.size(); ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.3f", i ? "," : "", epoch_s[i]);
    per_epoch += buf;
  }
  std::printf(
      "RESULT lib=libtorch threads=%d blas=%s blas_core=%s epochs=%d epoch_s=%s epoch_s_median=%.3f loss=%.4f test_acc=%.4f "
      "infer_b1_us_median=%.1f infer_b1_us_p90=%.1f infer_b128_ms_median=%.3f infer_b128_ms_p90=%.3f "
      "peak_rss_mb=%.1f train_cpu_self=%.2f train_cpu_others=%.2f\n",
      torch::get_num_threads(), blas.c_str(), core.c_str(), epochs, per_epoch.c_str(), epoch_med, last_loss, test_acc, l1.median_us, l1.p90_us,
      l128.median_us / 1e3, l128.p90_us / 1e3, peak_mb, train_self_s / train_wall_s, train_others_s / train_wall_s);
  return 0;
}
