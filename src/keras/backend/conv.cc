// Keras 2.0.2's TF-backend convolution and pooling: conv2d, conv1d, pool2d
// and bias_add with data_format. channels_first runs TF's NCHW ops directly
// (Keras 2.0's backend transposed to NHWC because TF's CPU kernels lacked NCHW).
#include "keraspp/keras/backend.h"
#include "keraspp/ops/nn_conv_ops.h"
#include "keraspp/ops/array_ops.h"
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

tf::Tensor conv1d(const tf::Tensor& x, const tf::Tensor& kernel, int64_t strides, const std::string& padding,
                  int64_t dilation_rate) {
  if (dilation_rate == 1) return tf::nn::conv1d(x, kernel, strides, tf_padding(padding), "NWC", "convolution");
  // [batch, steps, in] -> [batch, 1, steps, in], a 1 x k dilated Conv2D, and back.
  const tf::TensorShape& s = x.shape();
  const tf::TensorShape& k = kernel.shape();
  if (!s.has_rank() || s.rank() != 3 || s.dim(1) < 0 || s.dim(2) < 0 || !k.fully_defined() || k.rank() != 3)
    throw keraspp::ValueError("conv1d needs x [batch, steps, in] with known steps and in, and a known kernel; got " +
                              s.str() + " and " + k.str());
  tf::name_scope scope("convolution");
  const tf::Tensor x4 = tf::reshape(x, std::vector<int64_t>{-1, 1, s.dim(1), s.dim(2)});
  const tf::Tensor k4 = tf::reshape(kernel, std::vector<int64_t>{1, k.dim(0), k.dim(1), k.dim(2)});
  const tf::Tensor y = tf::nn::conv2d(x4, k4, {1, 1, strides, 1}, tf_padding(padding), "NHWC",
                                      {1, 1, dilation_rate, 1});
  return tf::reshape(y, std::vector<int64_t>{-1, y.shape().dim(2), y.shape().dim(3)});
}

tf::Tensor pool1d(const tf::Tensor& x, int64_t pool_size, int64_t strides, const std::string& padding,
                  const std::string& pool_mode) {
  const tf::TensorShape& s = x.shape();
  if (!s.has_rank() || s.rank() != 3 || s.dim(1) < 0 || s.dim(2) < 0)
    throw keraspp::ValueError("pool1d needs x [batch, steps, channels] with known steps and channels; got " +
                              s.str());
  // Keras's expand_dims(x, 2) -> pool2d((pool_size, 1)) -> squeeze(axis 2).
  const tf::Tensor x4 = tf::reshape(x, std::vector<int64_t>{-1, s.dim(1), 1, s.dim(2)});
  const tf::Tensor y = pool2d(x4, IntPair(pool_size, 1), IntPair(strides, 1), padding, "channels_last", pool_mode);
  return tf::reshape(y, std::vector<int64_t>{-1, y.shape().dim(1), s.dim(2)});
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
