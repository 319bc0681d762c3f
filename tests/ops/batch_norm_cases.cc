// Conformance cases: FusedBatchNorm (training and inference, both data
// formats, every statistics output) and FusedBatchNormGrad. The reference
// computes per channel in float64 straight from TF's formulas: the batch
// variance output carries Bessel's correction m / (m - 1), the reserve
// spaces the biased variance.
#include <cmath>

#include "conformance.h"

namespace conformance {
namespace {

using V = std::vector<tf::Tensor>;
using A = std::vector<np::Array>;
using Dims = std::vector<int64_t>;

constexpr double kEps = 0.001;

// Channel of flat element k of a rank-4 array in `format`.
int64_t channel_of(const Dims& d, const std::string& format, int64_t k) {
  return format == "NHWC" ? k % d[3] : (k / (d[2] * d[3])) % d[1];
}
int64_t channels(const Dims& d, const std::string& format) { return format == "NHWC" ? d[3] : d[1]; }

// Per-channel mean and biased variance of x.
std::pair<std::vector<double>, std::vector<double>> ref_moments(const np::Array& x, const std::string& format) {
  const int64_t c = channels(x.shape(), format), m = x.size() / c;
  std::vector<double> mean(static_cast<size_t>(c), 0.0), var(static_cast<size_t>(c), 0.0);
  for (int64_t k = 0; k < x.size(); ++k) mean[static_cast<size_t>(channel_of(x.shape(), format, k))] += x.get_flat(k) / m;
  for (int64_t k = 0; k < x.size(); ++k) {
    const size_t ch = static_cast<size_t>(channel_of(x.shape(), format, k));
    var[ch] += (x.get_flat(k) - mean[ch]) * (x.get_flat(k) - mean[ch]) / m;
  }
  return {mean, var};
}

np::Array vec(const std::vector<double>& v) {
  np::Array a = np::Array::empty({static_cast<int64_t>(v.size())}, np::float64);
  for (size_t i = 0; i < v.size(); ++i) a.set_flat(static_cast<int64_t>(i), v[i]);
  return a;
}

// (x - mean) / sqrt(var + eps) * scale + offset.
np::Array ref_normalize(const np::Array& x, const np::Array& scale, const np::Array& offset,
                        const std::vector<double>& mean, const std::vector<double>& var, const std::string& format) {
  np::Array y = np::Array::empty(x.shape(), np::float64);
  for (int64_t k = 0; k < x.size(); ++k) {
    const int64_t ch = channel_of(x.shape(), format, k);
    const size_t c = static_cast<size_t>(ch);
    y.set_flat(k, (x.get_flat(k) - mean[c]) / std::sqrt(var[c] + kEps) * scale.get_flat(ch) + offset.get_flat(ch));
  }
  return y;
}

// The population statistics inference cases use (constants, so they get no
// gradient, as TF's None for mean and variance).
std::vector<double> population_mean(int64_t c) {
  std::vector<double> v;
  for (int64_t i = 0; i < c; ++i) v.push_back(0.3 * static_cast<double>(i) - 0.2);
  return v;
}
std::vector<double> population_variance(int64_t c) {
  std::vector<double> v;
  for (int64_t i = 0; i < c; ++i) v.push_back(0.5 + 0.25 * static_cast<double>(i));
  return v;
}

// output: 0 y, 1 batch_mean, 2 batch_variance, 3/4 reserve spaces.
Case training(const std::string& label, const Dims& x, const std::string& format, int output) {
  const int64_t c = channels(x, format);
  return Case{.op = "FusedBatchNorm", .label = label, .input_shapes = {x, {c}, {c}},
              .build = [format, output](const V& in) {
                const auto r = tf::nn::fused_batch_norm(in[0], in[1], in[2], {}, {}, kEps, format, true);
                const tf::Tensor outs[] = {r.y, r.batch_mean, r.batch_variance, r.y.op().output(3),
                                           r.y.op().output(4)};
                return Built{outs[output]};
              },
              .reference = [format, output](const A& in) {
                const auto [mean, var] = ref_moments(in[0], format);
                const double m = static_cast<double>(in[0].size() / static_cast<int64_t>(mean.size()));
                std::vector<double> corrected = var;
                for (double& v : corrected) v *= m / (m - 1);
                switch (output) {
                  case 0: return ref_normalize(in[0], in[1], in[2], mean, var, format);
                  case 1: case 3: return vec(mean);
                  case 2: return vec(corrected);
                  default: return vec(var);
                }
              },
              .check_gradient = output == 0};
}
CONFORMANCE_CASE(training("train_nhwc_y", {2, 3, 2, 3}, "NHWC", 0));
CONFORMANCE_CASE(training("train_nchw_y", {2, 3, 2, 3}, "NCHW", 0));
CONFORMANCE_CASE(training("train_nhwc_batch_mean", {2, 3, 2, 4}, "NHWC", 1));
CONFORMANCE_CASE(training("train_nchw_batch_variance", {3, 2, 2, 3}, "NCHW", 2));
CONFORMANCE_CASE(training("train_nhwc_batch_variance", {2, 2, 3, 3}, "NHWC", 2));
CONFORMANCE_CASE(training("train_nhwc_reserve_mean", {2, 2, 3, 3}, "NHWC", 3));
CONFORMANCE_CASE(training("train_nchw_reserve_variance", {2, 3, 2, 2}, "NCHW", 4));

Case inference(const std::string& label, const Dims& x, const std::string& format) {
  const int64_t c = channels(x, format);
  return Case{.op = "FusedBatchNorm", .label = label, .input_shapes = {x, {c}, {c}},
              .build = [format, c](const V& in) {
                const tf::DType t = in[0].dtype();
                const tf::Tensor mean = tf::constant(vec(population_mean(c)), t);
                const tf::Tensor var = tf::constant(vec(population_variance(c)), t);
                return Built{tf::nn::fused_batch_norm(in[0], in[1], in[2], mean, var, kEps, format, false).y};
              },
              .reference = [format, c](const A& in) {
                return ref_normalize(in[0], in[1], in[2], population_mean(c), population_variance(c), format);
              }};
}
CONFORMANCE_CASE(inference("infer_nhwc_y", {2, 3, 2, 3}, "NHWC"));
CONFORMANCE_CASE(inference("infer_nchw_y", {2, 3, 3, 2}, "NCHW"));

// FusedBatchNormGrad built directly from (dy, x, scale, mean, v), its
// variance v * v + 0.5 (positive). output: 0 dx, 1 dscale, 2 doffset.
Case grad(const std::string& label, const Dims& x, const std::string& format, bool is_training, int output) {
  const int64_t c = channels(x, format);
  return Case{
      .op = "FusedBatchNormGrad", .label = label, .input_shapes = {x, x, {c}, {c}, {c}},
      .build = [format, is_training, output](const V& in) {
        const tf::Tensor var = tf::add(tf::multiply(in[4], in[4]), 0.5);
        const tf::Operation op = tf::op_builder::create(
            "FusedBatchNormGrad", {in[0], in[1], in[2], in[3], var},
            {{"epsilon", kEps}, {"data_format", format}, {"is_training", is_training}});
        return Built{op.output(output)};
      },
      .reference = [format, is_training, output, c](const A& in) {
        const np::Array &dy = in[0], &x = in[1], &scale = in[2];
        const int64_t m = x.size() / c;
        std::vector<double> sum_dy(static_cast<size_t>(c)), sum_dy_xc(static_cast<size_t>(c));
        auto mean = [&](int64_t ch) { return in[3].get_flat(ch); };
        auto var = [&](int64_t ch) { return in[4].get_flat(ch) * in[4].get_flat(ch) + 0.5; };
        for (int64_t k = 0; k < x.size(); ++k) {
          const int64_t ch = channel_of(x.shape(), format, k);
          sum_dy[static_cast<size_t>(ch)] += dy.get_flat(k);
          sum_dy_xc[static_cast<size_t>(ch)] += dy.get_flat(k) * (x.get_flat(k) - mean(ch));
        }
        if (output == 2) return vec(sum_dy);
        if (output == 1) {
          std::vector<double> d;
          for (int64_t ch = 0; ch < c; ++ch) d.push_back(sum_dy_xc[static_cast<size_t>(ch)] / std::sqrt(var(ch) + kEps));
          return vec(d);
        }
        np::Array dx = np::Array::empty(x.shape(), np::float64);
        for (int64_t k = 0; k < x.size(); ++k) {
          const int64_t ch = channel_of(x.shape(), format, k);
          const size_t i = static_cast<size_t>(ch);
          const double v = var(ch) + kEps;
          double d = dy.get_flat(k);
          if (is_training) d -= sum_dy[i] / m + (x.get_flat(k) - mean(ch)) * sum_dy_xc[i] / m / v;
          dx.set_flat(k, d * scale.get_flat(ch) / std::sqrt(v));
        }
        return dx;
      },
      .check_gradient = false};
}
CONFORMANCE_CASE(grad("train_nhwc_dx", {2, 3, 2, 3}, "NHWC", true, 0));
CONFORMANCE_CASE(grad("train_nchw_dx", {2, 3, 2, 3}, "NCHW", true, 0));
CONFORMANCE_CASE(grad("train_nchw_dscale", {2, 3, 2, 3}, "NCHW", true, 1));
CONFORMANCE_CASE(grad("train_nhwc_doffset", {2, 3, 2, 3}, "NHWC", true, 2));
CONFORMANCE_CASE(grad("infer_nhwc_dx", {2, 3, 2, 3}, "NHWC", false, 0));
CONFORMANCE_CASE(grad("infer_nchw_dscale", {2, 2, 3, 3}, "NCHW", false, 1));

}  // namespace
}  // namespace conformance
