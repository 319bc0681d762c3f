// The machine's roofline for the CNN benchmark (Keras's mnist_cnn model at
// batch 128, channels_last): every oneDNN primitive one training step runs
// -- the two convolutions forward (with bias and relu post-op), the max
// pool forward and backward, the dense products forward and backward, the
// second conv's data gradient, both convs' weight gradients -- each timed
// alone (median of samples of back-to-back runs), summed, and scaled to an
// epoch of 60000 images. Each convolution is timed in every memory-format
// configuration (plain NHWC activations and HWIO weights; NHWC activations
// with the weights in the primitive's own format; every format the
// primitive's) and the roofline takes the fastest, so no layout choice the
// kernels could make beats it. Elementwise work (dropout, relu gradients, bias
// sums, the optimizer) is not in it: a framework's epoch over this figure
// says how much it spends beyond the primitives themselves.
//
// Usage: bench_conv_roofline [--batch B] [--samples N] [--cpu-time 1]
// (--cpu-time 1: process CPU time and the fastest sample instead of wall
// time and the median, for single-threaded runs on a shared machine).
// Prints one `RESULT lib=dnnl model=cnn ... epoch_s_roofline=...` line.
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Seconds on the chosen clock: wall time, or the process's CPU time.
bool g_cpu_time = false;
double now_s() {
  if (!g_cpu_time) return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using dims = dnnl::memory::dims;

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

// A memory of desc d filled with small values (kept alive by the caller's map).
dnnl::memory filled(const dnnl::memory::desc& d) {
  dnnl::memory m(d, engine());
  auto* p = static_cast<float*>(m.get_data_handle());
  const size_t n = d.get_size() / sizeof(float);
  for (size_t i = 0; i < n; ++i) p[i] = 0.01f * static_cast<float>((i * 7919) % 201) - 1.0f;
  return m;
}

// Median (CPU time: fastest) seconds per run of `prim` on `args`, each
// sample ~10 ms of back-to-back runs.
double time_primitive(const dnnl::primitive& prim, const std::unordered_map<int, dnnl::memory>& args, int samples) {
  dnnl::stream s(engine());
  auto run = [&] {
    prim.execute(s, args);
    s.wait();
  };
  run();
  int reps = 1;
  for (;;) {
    const double t0 = now_s();
    for (int i = 0; i < reps; ++i) run();
    if (now_s() - t0 > 0.01 || reps > 1 << 16) break;
    reps *= 2;
  }
  std::vector<double> t;
  for (int k = 0; k < samples; ++k) {
    const double t0 = now_s();
    for (int i = 0; i < reps; ++i) run();
    t.push_back((now_s() - t0) / reps);
  }
  std::sort(t.begin(), t.end());
  return g_cpu_time ? t.front() : t[t.size() / 2];
}

struct Conv {
  dims src, weights, dst;  // logical NCHW / OIHW dims
};

// The memory formats a convolution primitive is built with.
enum class Formats {
  kPlain,        // NHWC activations, HWIO weights (TF's arrangement)
  kAnyWeights,   // NHWC activations, weights in the primitive's format
  kAny,          // activations and weights in the primitive's formats
};
constexpr Formats kAllFormats[] = {Formats::kPlain, Formats::kAnyWeights, Formats::kAny};
const char* format_name(Formats f) {
  return f == Formats::kPlain ? "plain" : f == Formats::kAnyWeights ? "any-weights" : "any";
}

dnnl::memory::desc act_desc(const dims& d, Formats f) { return {d, dt::f32, f == Formats::kAny ? tag::any : tag::nhwc}; }
dnnl::memory::desc weights_desc(const dims& d, Formats f) {
  return {d, dt::f32, f == Formats::kPlain ? tag::hwio : tag::any};
}

dnnl::convolution_forward::primitive_desc conv_fwd_pd(const Conv& c, bool relu, Formats f) {
  dnnl::primitive_attr attr;
  if (relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  return {{dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, act_desc(c.src, f),
           weights_desc(c.weights, f), {{c.dst[1]}, dt::f32, tag::a}, act_desc(c.dst, f), {1, 1}, {0, 0}, {0, 0}},
          attr, engine()};
}

double conv_forward(const Conv& c, Formats f, int samples) {
  const auto pd = conv_fwd_pd(c, true, f);
  return time_primitive(dnnl::convolution_forward(pd),
                        {{DNNL_ARG_SRC, filled(pd.src_desc())}, {DNNL_ARG_WEIGHTS, filled(pd.weights_desc())},
                         {DNNL_ARG_BIAS, filled(pd.bias_desc())}, {DNNL_ARG_DST, filled(pd.dst_desc())}},
                        samples);
}

double conv_backward_data(const Conv& c, Formats f, int samples) {
  const auto fwd = conv_fwd_pd(c, false, f);
  dnnl::convolution_backward_data::primitive_desc pd(
      {dnnl::algorithm::convolution_direct, act_desc(c.src, f), weights_desc(c.weights, f), fwd.dst_desc(),
       {1, 1}, {0, 0}, {0, 0}},
      engine(), fwd);
  return time_primitive(dnnl::convolution_backward_data(pd),
                        {{DNNL_ARG_DIFF_SRC, filled(pd.diff_src_desc())},
                         {DNNL_ARG_WEIGHTS, filled(pd.weights_desc())},
                         {DNNL_ARG_DIFF_DST, filled(pd.diff_dst_desc())}},
                        samples);
}

double conv_backward_weights(const Conv& c, Formats f, int samples) {
  const auto fwd = conv_fwd_pd(c, false, f);
  dnnl::convolution_backward_weights::primitive_desc pd(
      {dnnl::algorithm::convolution_direct, fwd.src_desc(), weights_desc(c.weights, f),
       {{c.dst[1]}, dt::f32, tag::a}, fwd.dst_desc(), {1, 1}, {0, 0}, {0, 0}},
      engine(), fwd);
  return time_primitive(dnnl::convolution_backward_weights(pd),
                        {{DNNL_ARG_SRC, filled(pd.src_desc())},
                         {DNNL_ARG_DIFF_WEIGHTS, filled(pd.diff_weights_desc())},
                         {DNNL_ARG_DIFF_BIAS, filled(pd.diff_bias_desc())},
                         {DNNL_ARG_DIFF_DST, filled(pd.diff_dst_desc())}},
                        samples);
}

// The fastest of `time`'s figures over the format configurations, each printed.
double fastest(const char* name, const std::function<double(Formats)>& time) {
  double best = 0;
  for (Formats f : kAllFormats) {
    const double s = time(f);
    std::printf("  %-32s %-12s %9.1f us\n", name, format_name(f), s * 1e6);
    if (best == 0 || s < best) best = s;
  }
  return best;
}

// Max pool 2x2 stride 2 on [B, C, H, W] (nhwc), forward and backward.
std::pair<double, double> pool(const dims& src, int samples) {
  const dims dst{src[0], src[1], src[2] / 2, src[3] / 2};
  const dnnl::memory::desc s(src, dt::f32, tag::nhwc), d(dst, dt::f32, tag::nhwc);
  dnnl::pooling_forward::primitive_desc fwd(
      {dnnl::prop_kind::forward_training, dnnl::algorithm::pooling_max, s, d, {2, 2}, {2, 2}, {0, 0}, {0, 0}},
      engine());
  dnnl::memory ws = filled(fwd.workspace_desc());
  const double f = time_primitive(dnnl::pooling_forward(fwd),
                                  {{DNNL_ARG_SRC, filled(s)}, {DNNL_ARG_DST, filled(d)}, {DNNL_ARG_WORKSPACE, ws}},
                                  samples);
  dnnl::pooling_backward::primitive_desc bwd(
      {dnnl::algorithm::pooling_max, s, d, {2, 2}, {2, 2}, {0, 0}, {0, 0}}, engine(), fwd);
  const double b = time_primitive(
      dnnl::pooling_backward(bwd),
      {{DNNL_ARG_DIFF_SRC, filled(s)}, {DNNL_ARG_DIFF_DST, filled(d)}, {DNNL_ARG_WORKSPACE, ws}}, samples);
  return {f, b};
}

// C(M, N) = A(M, K) B(K, N), A / B stored transposed when ta / tb.
double matmul(int64_t m, int64_t n, int64_t k, bool ta, bool tb, int samples) {
  const dnnl::memory::desc a({m, k}, dt::f32, ta ? tag::ba : tag::ab), b({k, n}, dt::f32, tb ? tag::ba : tag::ab),
      c({m, n}, dt::f32, tag::ab);
  dnnl::matmul::primitive_desc pd({a, b, c}, engine());
  return time_primitive(dnnl::matmul(pd), {{DNNL_ARG_SRC, filled(a)}, {DNNL_ARG_WEIGHTS, filled(b)},
                                           {DNNL_ARG_DST, filled(c)}},
                        samples);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t batch = 128;
  int samples = 9;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--batch") batch = std::stoll(argv[i + 1]);
    else if (a == "--samples") samples = std::stoi(argv[i + 1]);
    else if (a == "--cpu-time") g_cpu_time = std::stoi(argv[i + 1]) != 0;
  }
  const Conv conv1{{batch, 1, 28, 28}, {32, 1, 3, 3}, {batch, 32, 26, 26}};
  const Conv conv2{{batch, 32, 26, 26}, {64, 32, 3, 3}, {batch, 64, 24, 24}};
  struct Part {
    const char* name;
    double s;
  };
  const auto [pool_f, pool_b] = pool({batch, 64, 24, 24}, samples);
  const std::vector<Part> parts = {
      {"conv1 forward (+bias, relu)", fastest("conv1 forward", [&](Formats f) { return conv_forward(conv1, f, samples); })},
      {"conv2 forward (+bias, relu)", fastest("conv2 forward", [&](Formats f) { return conv_forward(conv2, f, samples); })},
      {"max pool forward", pool_f},
      {"dense1 forward 128x9216x128", matmul(batch, 128, 9216, false, false, samples)},
      {"dense2 forward 128x128x10", matmul(batch, 10, 128, false, false, samples)},
      {"dense2 dW 128x10 (K=batch)", matmul(128, 10, batch, true, false, samples)},
      {"dense2 dX 128x128x10", matmul(batch, 128, 10, false, true, samples)},
      {"dense1 dW 9216x128 (K=batch)", matmul(9216, 128, batch, true, false, samples)},
      {"dense1 dX 128x9216x128", matmul(batch, 9216, 128, false, true, samples)},
      {"max pool backward", pool_b},
      {"conv2 backward data", fastest("conv2 backward data", [&](Formats f) { return conv_backward_data(conv2, f, samples); })},
      {"conv2 backward weights (+bias)",
       fastest("conv2 backward weights", [&](Formats f) { return conv_backward_weights(conv2, f, samples); })},
      {"conv1 backward weights (+bias)",
       fastest("conv1 backward weights", [&](Formats f) { return conv_backward_weights(conv1, f, samples); })},
  };
  double step = 0;
  for (const Part& p : parts) {
    std::printf("%-34s %9.1f us\n", p.name, p.s * 1e6);
    step += p.s;
  }
  const double steps = static_cast<double>((60000 + batch - 1) / batch);
  std::printf("step %.1f us, epoch of 60000 = %.0f steps: %.3f s (threads %d)\n", step * 1e6, steps, step * steps,
              omp_get_max_threads());
  std::printf("RESULT lib=dnnl model=cnn threads=%d batch=%lld step_us=%.1f epoch_s_roofline=%.3f\n",
              omp_get_max_threads(), static_cast<long long>(batch), step * 1e6, step * steps);
  return 0;
}
