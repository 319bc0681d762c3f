// Keras 2.0.x's TF-backend functions of the rest of the conv family:
// conv2d_transpose, separable_conv2d, repeat_elements, resize_images,
// temporal_padding and spatial_2d_padding. channels_first runs TF's NCHW ops
// directly, as conv.cc does.
#include "keraspp/keras/backend.h"
#include "keraspp/ops/array_ops.h"
#include "keraspp/ops/nn_conv_ops.h"
#include "keraspp/ops/pad_split_ops.h"
#include "keraspp/ops/stack_ops.h"

namespace keras::backend {

namespace {

bool channels_first(const std::string& data_format) {
  const std::string f = data_format.empty() ? image_data_format() : data_format;
  if (f != "channels_last" && f != "channels_first") throw keraspp::ValueError("Unknown data_format " + f);
  return f == "channels_first";
}

std::string tf_padding(const std::string& padding) {
  if (padding == "same") return "SAME";
  if (padding == "valid") return "VALID";
  throw keraspp::ValueError("Invalid padding: " + padding);
}

std::vector<int64_t> window_list(IntPair p, bool first) {
  return first ? std::vector<int64_t>{1, 1, p.rows, p.cols} : std::vector<int64_t>{1, p.rows, p.cols, 1};
}

tf::Tensor int32_vector(const std::vector<int64_t>& v) {
  std::vector<int32_t> w(v.begin(), v.end());
  return tf::constant(np::Array::from_vector(w, {static_cast<int64_t>(w.size())}));
}

}  // namespace

tf::Tensor conv2d_transpose(const tf::Tensor& x, const tf::Tensor& kernel, const std::vector<int64_t>& output_shape,
                            IntPair strides, const std::string& padding, const std::string& data_format) {
  const bool first = channels_first(data_format);
  if (output_shape.size() != 4)
    throw keraspp::ValueError("conv2d_transpose: output_shape must have 4 entries, got " +
                              std::to_string(output_shape.size()));
  for (size_t i = 1; i < 4; ++i)
    if (output_shape[i] < 0)
      throw keraspp::ValueError("conv2d_transpose: output_shape's dims after the batch must be known");
  const std::string format = first ? "NCHW" : "NHWC";
  const std::vector<int64_t> rest(output_shape.begin() + 1, output_shape.end());
  const tf::Tensor batch = output_shape[0] >= 0 ? int32_vector({output_shape[0]})
                                                : tf::slice(tf::shape(x), std::vector<int64_t>{0}, std::vector<int64_t>{1});
  const tf::Tensor sizes = tf::concat({batch, int32_vector(rest)}, 0);
  tf::Tensor y = tf::nn::conv2d_transpose(x, kernel, sizes, window_list(strides, first), tf_padding(padding), format);
  y.set_shape(tf::TensorShape(output_shape));
  return y;
}

tf::Tensor separable_conv2d(const tf::Tensor& x, const tf::Tensor& depthwise_kernel,
                            const tf::Tensor& pointwise_kernel, IntPair strides, const std::string& padding,
                            const std::string& data_format, IntPair dilation_rate) {
  const bool first = channels_first(data_format);
  return tf::nn::separable_conv2d(x, depthwise_kernel, pointwise_kernel, window_list(strides, first),
                                  tf_padding(padding), {dilation_rate.rows, dilation_rate.cols}, "",
                                  first ? "NCHW" : "NHWC");
}

// [.., d, ..] -> [.., d, 1, ..] tiled rep times on the new axis -> [.., d * rep, ..].
tf::Tensor repeat_elements(const tf::Tensor& x, int64_t rep, int axis) {
  const tf::TensorShape& s = x.shape();
  if (!s.has_rank()) throw keraspp::ValueError("repeat_elements needs an input of known rank");
  const int rank = s.rank();
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) throw keraspp::ValueError("repeat_elements: axis out of range for " + s.str());
  if (rep < 1) throw keraspp::ValueError("repeat_elements: rep must be >= 1, got " + std::to_string(rep));
  std::vector<int64_t> expanded, multiples, out;
  for (int k = 0; k < rank; ++k) {
    const int64_t d = s.dim(k);
    if (d < 0 && k != 0)
      throw keraspp::ValueError("repeat_elements needs every dimension but the first known, got " + s.str());
    expanded.push_back(k == 0 ? -1 : d);
    multiples.push_back(1);
    out.push_back(k == 0 ? -1 : d * (k == axis ? rep : 1));
    if (k == axis) {
      expanded.push_back(1);
      multiples.push_back(rep);
    }
  }
  if (rep == 1) return x;
  const tf::Tensor tiled = tf::tile(tf::reshape(x, expanded), multiples);
  return tf::reshape(tiled, out);
}

tf::Tensor resize_images(const tf::Tensor& x, int64_t height_factor, int64_t width_factor,
                         const std::string& data_format) {
  const bool first = channels_first(data_format);
  return repeat_elements(repeat_elements(x, height_factor, first ? 2 : 1), width_factor, first ? 3 : 2);
}

tf::Tensor temporal_padding(const tf::Tensor& x, std::pair<int64_t, int64_t> padding) {
  return tf::pad(x, {{0, 0}, padding, {0, 0}});
}

tf::Tensor spatial_2d_padding(const tf::Tensor& x, std::pair<int64_t, int64_t> rows,
                              std::pair<int64_t, int64_t> cols, const std::string& data_format) {
  if (channels_first(data_format)) return tf::pad(x, {{0, 0}, {0, 0}, rows, cols});
  return tf::pad(x, {{0, 0}, rows, cols, {0, 0}});
}

}  // namespace keras::backend
