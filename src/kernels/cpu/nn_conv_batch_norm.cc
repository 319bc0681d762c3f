// CPU kernels of _FusedConv2D(BiasAdd)BatchNorm (float32): an inference
// batch norm folded into its convolution. filter' = filter * s and bias' =
// (bias - mean) * s + offset per output channel (bias 0 without a BiasAdd), s = scale / sqrt(variance + epsilon), then
// one oneDNN convolution with bias (cached per shape in the shared context).
#include <cmath>
#include <cstring>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "../../ops/nn_batch_norm_schema.h"
#include "../../ops/nn_window.h"
#include "dnnl_context.h"
#include "kernels/kernel.h"

namespace tf::kernels {
namespace {

namespace dctx = cpu::dnnl_context;

// A key value no other convolution entry starts with (their first value is
// a mode 0-2): this cache entry's type differs from theirs.
constexpr int64_t kFoldedKey = 1000;

// weights: TF's HWIO; own_weights: the format the primitive chose for them
// (format_tag::any: its direct kernels, not im2col + sgemm, as nn_conv.cc).
struct FoldedConv {
  dnnl::primitive prim;
  dnnl::memory::desc src, weights, own_weights, bias, dst, scratchpad;
};

const FoldedConv& folded_primitive(const window::Geometry2D& g, int64_t out_c) {
  dctx::PrimitiveKey key(dnnl::primitive::kind::convolution);
  key.add(kFoldedKey).add(g.format.nhwc).add(g.n).add(g.c).add(g.in_h).add(g.in_w).add(g.k_h).add(g.k_w);
  key.add(out_c).add(g.stride_h).add(g.stride_w).add(g.dil_h).add(g.dil_w);
  key.add(g.rows.pad_before).add(g.rows.pad_after).add(g.cols.pad_before).add(g.cols.pad_after);
  return dctx::cached<FoldedConv>(key, [&] {
    using tag = dnnl::memory::format_tag;
    const auto f32 = dnnl::memory::data_type::f32;
    const tag t = g.format.nhwc ? tag::nhwc : tag::nchw;
    const dnnl::memory::desc src({g.n, g.c, g.in_h, g.in_w}, f32, t);
    const dnnl::memory::desc weights({out_c, g.c, g.k_h, g.k_w}, f32, tag::hwio);
    const dnnl::memory::desc bias({out_c}, f32, tag::a);
    const dnnl::memory::desc dst({g.n, out_c, g.rows.out, g.cols.out}, f32, t);
    dnnl::convolution_forward::primitive_desc pd(
        dnnl::convolution_forward::desc(dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
                                        src, dnnl::memory::desc(weights.dims(), f32, tag::any), bias, dst,
                                        {g.stride_h, g.stride_w},
                                        {g.dil_h - 1, g.dil_w - 1}, {g.rows.pad_before, g.cols.pad_before},
                                        {g.rows.pad_after, g.cols.pad_after}),
        dctx::default_attr(), dctx::engine());
    return FoldedConv{dnnl::convolution_forward(pd), src, weights, pd.weights_desc(), bias, dst,
                      pd.scratchpad_desc()};
  });
}

void check_vector(const KernelContext& ctx, const np::Array& v, const char* what, int64_t out_c) {
  if (v.ndim() != 1 || v.size() != out_c)
    throw errors::InvalidArgumentError(std::string(what) + " must be 1-dimensional with " + std::to_string(out_c) +
                                       " elements, got " + np::shape_str(v.shape()) + " for '" + ctx.op_name() + "'");
}

template <bool kWithBias> constexpr const auto& schema_of() {
  if constexpr (kWithBias) {
    return schema::kFusedConv2DBiasAddBatchNorm;
  } else {
    return schema::kFusedConv2DBatchNorm;
  }
}

// kWithBias: the chain has a BiasAdd (its bias is input "bias").
template <bool kWithBias> void fused_conv2d_batch_norm(KernelContext& ctx) {
  constexpr auto& s = schema_of<kWithBias>();
  const np::Array& x = ctx.input(s.index("input"));
  const np::Array& filter = ctx.input(s.index("filter"));
  if (x.ndim() != 4 || filter.ndim() != 4)
    throw errors::InvalidArgumentError("input and filter must be 4-dimensional: " + np::shape_str(x.shape()) + ", " +
                                       np::shape_str(filter.shape()) + " for '" + ctx.op_name() + "'");
  const window::Format f(ctx.attr<std::string>("data_format"));
  if (x.shape()[static_cast<size_t>(f.c())] != filter.shape()[2])
    throw errors::InvalidArgumentError("input and filter must have the same depth for '" + ctx.op_name() + "'");
  window::Geometry2D g;
  try {
    g = window::geometry(x.shape(), filter.shape()[0], filter.shape()[1], ctx.attr<std::vector<int64_t>>("strides"),
                         ctx.attr<std::vector<int64_t>>("dilations"), ctx.attr<std::string>("padding"), f);
  } catch (const ShapeError& e) {
    throw errors::InvalidArgumentError(std::string(e.what()) + " for '" + ctx.op_name() + "'");
  }
  const int64_t out_c = filter.shape()[3];
  const np::Array& scale = ctx.input(s.index("scale"));
  const np::Array& offset = ctx.input(s.index("offset"));
  const np::Array& mean = ctx.input(s.index("mean"));
  const np::Array& var = ctx.input(s.index("variance"));
  for (const auto& [v, what] : {std::pair{&scale, "scale"}, {&offset, "offset"}, {&mean, "mean"}, {&var, "variance"}})
    check_vector(ctx, *v, what, out_c);
  const float* conv_bias = nullptr;
  if constexpr (kWithBias) {
    const np::Array& b = ctx.input(s.index("bias"));
    check_vector(ctx, b, "bias", out_c);
    conv_bias = b.data<float>();
  }
  // The batch norm's epsilon (the fused chain's last link).
  const float eps = static_cast<float>(std::get<double>(ctx.fused_links.back()->attrs.at("epsilon")));
  np::Array& y = ctx.allocate_output(0, g.out_dims(out_c), np::float32);
  if (y.size() == 0) return;
  // The scaled filter (HWIO, then in the primitive's format) and the bias,
  // kept per thread between runs.
  static thread_local std::vector<float> folded, own, bias;
  folded.resize(static_cast<size_t>(filter.size()));
  bias.resize(static_cast<size_t>(out_c));
  const float *w = filter.data<float>(), *sc = scale.data<float>(), *off = offset.data<float>();
  const float *mu = mean.data<float>(), *v = var.data<float>();
  for (int64_t oc = 0; oc < out_c; ++oc) {
    const float factor = sc[oc] / std::sqrt(v[oc] + eps);
    bias[static_cast<size_t>(oc)] = ((conv_bias ? conv_bias[oc] : 0.0f) - mu[oc]) * factor + off[oc];
  }
  for (int64_t k = 0; k < filter.size(); ++k) {
    const int64_t oc = k % out_c;  // [KH, KW, C, OC]
    folded[static_cast<size_t>(k)] = w[k] * (sc[oc] / std::sqrt(v[oc] + eps));
  }
  const FoldedConv& p = folded_primitive(g, out_c);
  float* weights = folded.data();
  if (p.own_weights != p.weights) {
    own.resize(p.own_weights.get_size() / sizeof(float));
    dctx::reorder(p.weights, folded.data(), p.own_weights, own.data());
    weights = own.data();
  }
  dnnl::engine& eng = dctx::engine();
  dnnl::stream& stream = dctx::stream();
  p.prim.execute(stream, {{DNNL_ARG_SRC, dnnl::memory(p.src, eng, const_cast<float*>(x.data<float>()))},
                          {DNNL_ARG_WEIGHTS, dnnl::memory(p.own_weights, eng, weights)},
                          {DNNL_ARG_BIAS, dnnl::memory(p.bias, eng, bias.data())},
                          {DNNL_ARG_DST, dnnl::memory(p.dst, eng, y.data<float>())},
                          {DNNL_ARG_SCRATCHPAD, dctx::scratchpad(p.scratchpad)}});
  stream.wait();
}

const bool registered = [] {
  KernelRegistry::global().add("_FusedConv2DBatchNorm", "CPU", np::float32, fused_conv2d_batch_norm<false>);
  KernelRegistry::global().add("_FusedConv2DBiasAddBatchNorm", "CPU", np::float32, fused_conv2d_batch_norm<true>);
  return true;
}();

}  // namespace
}  // namespace tf::kernels
