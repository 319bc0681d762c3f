// The machine's roofline for the CNN benchmark (Keras's mnist_cnn model at
// batch 128, channels_last): every oneDNN primitive one training step runs
// -- the two convolutions forward (with bias and relu post-op), the max
// pool forward and backward, the dense products forward and backward, the
// second conv's data gradient, both convs' weight gradients -- each timed
// alone (median of samples of back-to-back runs), summed, and scaled to an
// epoch of 60000 images. Elementwise work (dropout, relu gradients, bias
// sums, the optimizer) is not in it: a framework's epoch over this figure
// says how much it spends beyond the primitives themselves.
//
// Usage: bench_conv_roofline [--batch B] [--samples N]
// Prints one `RESULT lib=dnnl model=cnn ... epoch_s_roofline=...` line.
#include <oneapi/dnnl/dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
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

// Median seconds per run of `prim` on `args`, each sample ~10 ms of back-to-back runs.
double time_primitive(const dnnl::primitive& prim, const std::unordered_map<int, dnnl::memory>& args, int samples) {
  dnnl::stream s(engine());
  auto run = [&] {
    prim.execute(s, args);
    s.wait();
  };
  run();
  int reps = 1;
  for (;;) {
    const auto t0 = Clock::now();
    for (int i = 0; i < reps; ++i) run();
    if (std::chrono::duration<double>(Clock::now() - t0).count() > 0.01 || reps > 1 << 16) break;
    reps *= 2;
  }
  std::vector<double> t;
  for (int k = 0; k < samples; ++k) {
    const auto t0 = Clock::now();
    for (int i = 0; i < reps; ++i) run();
    t.push_back(std::chrono::duration<double>(Clock::now() - t0).count() / reps);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

struct Conv {
  dims src, weights, dst;  // logical NCHW / OIHW dims
};

dnnl::convolution_forward::primitive_desc conv_fwd_pd(const Conv& c, bool relu) {
  dnnl::primitive_attr attr;
  if (relu) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
    attr.set_post_ops(ops);
  }
  return {{dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, {c.src, dt::f32, tag::nhwc},
           {c.weights, dt::f32, tag::hwio}, {{c.dst[1]}, dt::f32, tag::a}, {c.dst, dt::f32, tag::nhwc}, {1, 1},
           {0, 0}, {0, 0}},
          attr, engine()};
}

double conv_forward(const Conv& c, int samples) {
  const auto pd = conv_fwd_pd(c, true);
  return time_primitive(dnnl::convolution_forward(pd),
                        {{DNNL_ARG_SRC, filled(pd.src_desc())}, {DNNL_ARG_WEIGHTS, filled(pd.weights_desc())},
                         {DNNL_ARG_BIAS, filled(pd.bias_desc())}, {DNNL_ARG_DST, filled(pd.dst_desc())}},
                        samples);
}

double conv_backward_data(const Conv& c, int samples) {
  const auto fwd = conv_fwd_pd(c, false);
  dnnl::convolution_backward_data::primitive_desc pd(
      {dnnl::algorithm::convolution_direct, fwd.src_desc(), fwd.weights_desc(), fwd.dst_desc(), {1, 1}, {0, 0},
       {0, 0}},
      engine(), fwd);
  return time_primitive(dnnl::convolution_backward_data(pd),
                        {{DNNL_ARG_DIFF_SRC, filled(pd.diff_src_desc())},
                         {DNNL_ARG_WEIGHTS, filled(pd.weights_desc())},
                         {DNNL_ARG_DIFF_DST, filled(pd.diff_dst_desc())}},
                        samples);
}

double conv_backward_weights(const Conv& c, int samples) {
  const auto fwd = conv_fwd_pd(c, false);
  dnnl::convolution_backward_weights::primitive_desc pd(
      {dnnl::algorithm::convolution_direct, fwd.src_desc(), fwd.weights_desc(), {{c.dst[1]}, dt::f32, tag::a},
       fwd.dst_desc(), {1, 1}, {0, 0}, {0, 0}},
      engine(), fwd);
  return time_primitive(dnnl::convolution_backward_weights(pd),
                        {{DNNL_ARG_SRC, filled(pd.src_desc())},
                         {DNNL_ARG_DIFF_WEIGHTS, filled(pd.diff_weights_desc())},
                         {DNNL_ARG_DIFF_BIAS, filled(pd.diff_bias_desc())},
                         {DNNL_ARG_DIFF_DST, filled(pd.diff_dst_desc())}},
                        samples);
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
  }
  const Conv conv1{{batch, 1, 28, 28}, {32, 1, 3, 3}, {batch, 32, 26, 26}};
  const Conv conv2{{batch, 32, 26, 26}, {64, 32, 3, 3}, {batch, 64, 24, 24}};
  struct Part {
    const char* name;
    double s;
  };
  const auto [pool_f, pool_b] = pool({batch, 64, 24, 24}, samples);
  const std::vector<Part> parts = {
      {"conv1 forward (+bias, relu)", conv_forward(conv1, samples)},
      {"conv2 forward (+bias, relu)", conv_forward(conv2, samples)},
      {"max pool forward", pool_f},
      {"dense1 forward 128x9216x128", matmul(batch, 128, 9216, false, false, samples)},
      {"dense2 forward 128x128x10", matmul(batch, 10, 128, false, false, samples)},
      {"dense2 dW 128x10 (K=batch)", matmul(128, 10, batch, true, false, samples)},
      {"dense2 dX 128x128x10", matmul(batch, 128, 10, false, true, samples)},
      {"dense1 dW 9216x128 (K=batch)", matmul(9216, 128, batch, true, false, samples)},
      {"dense1 dX 128x9216x128", matmul(batch, 9216, 128, false, true, samples)},
      {"max pool backward", pool_b},
      {"conv2 backward data", conv_backward_data(conv2, samples)},
      {"conv2 backward weights (+bias)", conv_backward_weights(conv2, samples)},
      {"conv1 backward weights (+bias)", conv_backward_weights(conv1, samples)},
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
