// Keras 2.0.2's TF-backend convolution and pooling: conv2d, conv1d, pool2d
// and bias_add with data_format. channels_first runs TF's NCHW ops directly
// (Keras 2.0's backend transposed to NHWC because TF's CPU kernels lacked NCHW).
#include "keraspp/keras/backend.h"
#include "keraspp/ops/nn_conv_ops.h"
#include "keraspp/ops/nn_ops.h"

namespace keras::backend {

namespace {

// Keras's data_format (or "" = image_data_format()) -> "NHWC" / "NCHW".
std::string tf_format(const std::string& data_format) {
  const std::string f = data_format.empty() ? image_data_format() : data_format;
  if (f != "channels_last" && f != "channels_first")
    throw keraspp::ValueError("Unknown data_format " + f);
  return f == "channels_first" ? "NCHW" : "NHWC";
}

std::string tf_padding(const std::string& padding) {
  if (padding == "same") return "SAME";
  if (padding == "valid") return "VALID";
  throw keraspp::ValueError("Invalid padding: " + padding);
}

// A pair as a 4-value list in the format's order: [1, r, c, 1] or [1, 1, r, c].
std::vector<int64_t> window_list(IntPair p, const std::string& format) {
  return format == "NCHW" ? std::vector<int64_t>{1, 1, p.rows, p.cols}
                          : std::vector<int64_t>{1, p.rows, p.cols, 1};
}

}  // namespace

tf::Tensor bias_add(const tf::Tensor& x, const tf::Tensor& bias, const std::string& data_format) {
  const std::string f = tf_format(data_format);
  if (f == "NCHW" && x.shape().rank() >= 3) return tf::nn::bias_add(x, bias, "NCHW");
  return tf::nn::bias_add(x, bias);
}

tf::Tensor conv2d(const tf::Tensor& x, const tf::Tensor& kernel, IntPair strides, const std::string& padding,
                  const std::string& data_format, IntPair dilation_rate) {
  const std::string f = tf_format(data_format);
  // Named as tf.nn.convolution names it in Keras 2.0's graphs (conv2d_1/convolution).
  return tf::nn::conv2d(x, kernel, window_list(strides, f), tf_padding(padding), f,
                        window_list(dilation_rate, f), "convolution");
}

tf::Tensor conv1d(const tf::Tensor& x, const tf::Tensor& kernel, int64_t strides, const std::string& padding) {
  return tf::nn::conv1d(x, kernel, strides, tf_padding(padding));
}

tf::Tensor pool2d(const tf::Tensor& x, IntPair pool_size, IntPair strides, const std::string& padding,
                  const std::string& data_format, const std::string& pool_mode) {
  const std::string f = tf_format(data_format);
  const std::string p = tf_padding(padding);
  if (pool_mode == "max") return tf::nn::max_pool(x, window_list(pool_size, f), window_list(strides, f), p, f);
  if (pool_mode == "avg") return tf::nn::avg_pool(x, window_list(pool_size, f), window_list(strides, f), p, f);
  throw keraspp::ValueError("Invalid pooling mode: " + pool_mode);
}

}  // namespace keras::backend
