// The machine's GEMM roofline for the seed's MLP: times oneDNN (dnnl_sgemm
// and the matmul primitive, taking the faster per product) on exactly the
// matrix products one training step needs, so a framework's seconds per
// epoch can be read against "all GEMMs at oneDNN speed, nothing else"
// (elementwise ops, optimizer, data gathering cost extra on top).
//
// Conventions (row-major, as Keras++ stores a Dense kernel as (in, out)):
//   forward  Y(B,O)  = X(B,I)  * W(I,O)      NN  M=B N=O K=I
//   weights  dW(I,O) = X^T(I,B) * dY(B,O)    TN  M=I N=O K=B
//   inputs   dX(B,I) = dY(B,O) * W^T(O,I)    NT  M=B N=I K=O   (not for layer 1:
//            nothing needs the gradient of the input images)
// FLOPs per GEMM = 2*M*N*K. For B=128 the step totals 410.8 MFLOP, i.e.
// 3.209 MFLOP per sample, 192.6 GFLOP per epoch of 60000 samples.
//
// Threads: oneDNN here runs on OpenMP, so OMP_NUM_THREADS (or --threads)
// decides. Usage: bench_sgemm_rate [--threads N] [--batch B]
#include <oneapi/dnnl/dnnl.h>

#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "cpu_load.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Gemm {
  std::string name;
  char ta, tb;
  int64_t M, N, K;
  double flops() const { return 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K); }
};

// Median seconds per call. Each sample times enough back-to-back calls to
// last ~20 ms so timer resolution and call overhead (which a framework pays
// too, and is included on purpose) are averaged, then the median of samples
// rejects the odd preemption on this shared 2-vCPU VM.
// With `primitive`, the product runs on oneDNN's matmul primitive (built
// once, outside the timing) instead of dnnl_sgemm: Keras++ uses it for
// large transposed products, so the roofline takes the faster of the two.
double time_gemm(const Gemm& g, bool primitive = false, int samples = 15) {
  // Leading dimensions of the stored (untransposed-in-memory) matrices.
  int64_t a_rows = g.ta == 'N' ? g.M : g.K, a_cols = g.ta == 'N' ? g.K : g.M;
  int64_t b_rows = g.tb == 'N' ? g.K : g.N, b_cols = g.tb == 'N' ? g.N : g.K;
  std::vector<float> A(static_cast<size_t>(a_rows * a_cols)), B(static_cast<size_t>(b_rows * b_cols)),
      C(static_cast<size_t>(g.M * g.N), 0.0f);
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (auto& v : A) v = u(rng);
  for (auto& v : B) v = u(rng);
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(eng);
  using dims = dnnl::memory::dims;
  const auto f32 = dnnl::memory::data_type::f32;
  dnnl::memory::desc amd({g.M, g.K}, f32, g.ta == 'T' ? dims{1, a_cols} : dims{a_cols, 1});
  dnnl::memory::desc bmd({g.K, g.N}, f32, g.tb == 'T' ? dims{1, b_cols} : dims{b_cols, 1});
  dnnl::memory::desc cmd({g.M, g.N}, f32, dims{g.N, 1});
  dnnl::matmul mm(dnnl::matmul::primitive_desc(dnnl::matmul::desc(amd, bmd, cmd), eng));
  dnnl::memory am(amd, eng, A.data()), bm(bmd, eng, B.data()), cm(cmd, eng, C.data());
  auto call = [&] {
    if (primitive) {
      mm.execute(stream, {{DNNL_ARG_SRC, am}, {DNNL_ARG_WEIGHTS, bm}, {DNNL_ARG_DST, cm}});
      stream.wait();
      return;
    }
    // beta=0: C is overwritten, as a framework's fresh output buffer is.
    if (dnnl_sgemm(g.ta, g.tb, g.M, g.N, g.K, 1.0f, A.data(), a_cols, B.data(), b_cols, 0.0f, C.data(), g.N) !=
        dnnl_success) {
      std::fprintf(stderr, "dnnl_sgemm failed for %s\n", g.name.c_str());
      std::exit(1);
    }
  };
  for (int i = 0; i < 20; ++i) call();  // warm-up: JIT kernels, caches, thread pool
  auto t0 = Clock::now();
  int reps = 0;
  while (std::chrono::duration<double>(Clock::now() - t0).count() < 0.02) {
    call();
    ++reps;
  }
  std::vector<double> per_call;
  for (int s = 0; s < samples; ++s) {
    auto t = Clock::now();
    for (int r = 0; r < reps; ++r) call();
    per_call.push_back(std::chrono::duration<double>(Clock::now() - t).count() / reps);
  }
  std::sort(per_call.begin(), per_call.end());
  return per_call[per_call.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t batch = 128;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc) omp_set_num_threads(std::atoi(argv[++i]));
    else if (a == "--batch" && i + 1 < argc) batch = std::atoll(argv[++i]);
    else {
      std::fprintf(stderr, "usage: %s [--threads N] [--batch B]\n", argv[0]);
      return 2;
    }
  }
  const int threads = omp_get_max_threads();
  const int64_t layers[][2] = {{784, 512}, {512, 512}, {512, 10}};

  std::vector<Gemm> step;
  for (int l = 0; l < 3; ++l) {
    int64_t I = layers[l][0], O = layers[l][1];
    // snprintf rather than string concatenation: GCC 12 raises a spurious
    // -Wrestrict on `"L" + std::to_string(...)` at -O2.
    auto name = [&](const char* what) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "L%d %s", l + 1, what);
      return std::string(buf);
    };
    step.push_back({name("fwd Y=XW"), 'N', 'N', batch, O, I});
    step.push_back({name("dW=X^T dY"), 'T', 'N', I, O, batch});
    if (l > 0) step.push_back({name("dX=dY W^T"), 'N', 'T', batch, I, O});
  }

  std::printf("oneDNN %d.%d.%d dnnl_sgemm and matmul, %d OpenMP thread(s), batch %lld\n", dnnl_version()->major,
              dnnl_version()->minor, dnnl_version()->patch, threads, static_cast<long long>(batch));
  std::printf("%-16s %2s %5s %5s %5s %10s %10s %9s %10s %9s\n", "gemm", "op", "M", "N", "K", "MFLOP",
              "sgemm us", "GFLOP/s", "matmul us", "GFLOP/s");
  double step_flops = 0.0, step_s = 0.0;
  bench::CpuLoad load;  // a build on the same cores would show here, not as "slow sgemm"
  for (const auto& g : step) {
    const double s = time_gemm(g), p = time_gemm(g, true);
    step_flops += g.flops();
    step_s += std::min(s, p);
    std::printf("%-16s %c%c %5lld %5lld %5lld %10.2f %10.1f %9.1f %10.1f %9.1f\n", g.name.c_str(), g.ta,
                g.tb, static_cast<long long>(g.M), static_cast<long long>(g.N),
                static_cast<long long>(g.K), g.flops() / 1e6, s * 1e6, g.flops() / s / 1e9, p * 1e6,
                g.flops() / p / 1e9);
  }

  // Reference: a large square product shows what the cores can do when the
  // shape is not the limit (the MLP's small-K/small-N products are).
  Gemm big{"square 2048", 'N', 'N', 2048, 2048, 2048};
  double big_s = time_gemm(big, false, 5);
  double big_rate = big.flops() / big_s / 1e9;

  const double samples_per_epoch = 60000.0;
  double step_rate = step_flops / step_s / 1e9;
  double epoch_gflop = step_flops / static_cast<double>(batch) * samples_per_epoch / 1e9;
  double epoch_s = step_s / static_cast<double>(batch) * samples_per_epoch;
  std::printf("step (faster of the two per GEMM): %.1f MFLOP in %.1f us -> %.1f GFLOP/s aggregate\n", step_flops / 1e6, step_s * 1e6, step_rate);
  std::printf("epoch (60000 samples): %.1f GFLOP -> %.3f s if every GEMM ran at this rate\n", epoch_gflop,
              epoch_s);
  std::printf("square 2048^3: %.1f GFLOP/s (%.0f us)\n", big_rate, big_s * 1e6);
  double others = load.others_s() / load.wall_s();
  std::printf("other processes used %.2f cores meanwhile%s\n", others, others > 0.1 ? " (numbers disturbed)" : "");
  std::printf(
      "RESULT lib=dnnl threads=%d batch=%lld step_mflop=%.1f epoch_gflop=%.1f step_us=%.1f "
      "aggregate_gflops=%.1f epoch_s_roofline=%.3f square2048_gflops=%.1f cpu_others=%.2f\n",
      threads, static_cast<long long>(batch), step_flops / 1e6, epoch_gflop, step_s * 1e6, step_rate, epoch_s,
      big_rate, others);
  return 0;
}
