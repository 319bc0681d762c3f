// Keras++'s copies of tests/interop/layer_families.py's models (the same
// layers and shapes), written by Interop.WritesKerasppLayerFamilies for
// Python Keras 2 and Keras 3 to load. Each is trained a few steps so that
// BatchNormalization's moving statistics are not their initial values.
#pragma once
#include "saving_test_util.h"

namespace keras_saving_test {

inline np::Array family_one_hot(int64_t n, int64_t classes) {
  np::Array y = np::zeros({n, classes});
  for (int64_t i = 0; i < n; ++i) y.at<float>(i, (i * 7) % classes) = 1.0f;
  return y;
}

struct FamilyModel {
  Model model;
  std::vector<np::Array> x;
};

// BatchNormalization, SeparableConv2D, Conv2DTranspose, Cropping2D,
// ZeroPadding2D, SpatialDropout2D, UpSampling2D, GlobalMax/AveragePooling2D.
inline FamilyModel convolutions_family() {
  const tf::Tensor x = L::Input({.shape = {8, 8, 2}, .name = "image"});
  tf::Tensor h = L::BatchNormalization({.momentum = 0.5})(L::Conv2D(4, 3, {.padding = "same"})(x));
  h = L::Activation("relu")(h);
  h = L::SeparableConv2D(3, 3, {.padding = "same", .depth_multiplier = 2, .activation = "tanh"})(h);
  h = L::Conv2DTranspose(2, 3, {.strides = 2})(h);
  h = L::ZeroPadding2D({1, 2})(L::Cropping2D({{1, 2}, {2, 1}})(h));
  h = L::SpatialDropout2D(0.3)(h);
  h = L::UpSampling2D({.size = L::IntPair{2, 1}})(L::MaxPooling2D()(h));
  h = L::BatchNormalization({.momentum = 0.5, .center = false})(h);
  const tf::Tensor g = L::concatenate({L::GlobalMaxPooling2D()(h), L::GlobalAveragePooling2D()(h)});
  Model model(x, L::Dense(3, {.activation = "softmax"})(g), "cpp_convolutions");
  model.compile({.optimizer = keras::optimizers::Adam({.lr = 0.01}), .loss = "categorical_crossentropy"});
  const np::Array in = np::random::uniform(-1, 1, {6, 8, 8, 2});
  for (int i = 0; i < 3; ++i) model.train_on_batch(in, family_one_hot(6, 3));
  return {model, {in}};
}

// ZeroPadding1D, Cropping1D, UpSampling1D, SpatialDropout1D,
// BatchNormalization on sequences, GlobalMax/AveragePooling1D,
// ActivityRegularization.
inline FamilyModel sequences_family() {
  const tf::Tensor seq = L::Input({.shape = {6, 3}, .name = "seq"});
  tf::Tensor h = L::Conv1D(4, 3, {.activation = "relu"})(L::ZeroPadding1D({1, 2})(seq));
  h = L::UpSampling1D({.size = 2})(L::Cropping1D({1, 1})(h));
  h = L::BatchNormalization({.momentum = 0.5, .scale = false})(L::SpatialDropout1D(0.25)(h));
  tf::Tensor g = L::concatenate({L::GlobalMaxPooling1D()(h), L::GlobalAveragePooling1D()(h)});
  g = L::ActivityRegularization(0.01, 0.02)(g);
  Model model(seq, L::Dense(2, {.activation = "softmax"})(g), "cpp_sequences");
  model.compile({.optimizer = keras::optimizers::Adam({.lr = 0.01}), .loss = "categorical_crossentropy"});
  const np::Array in = np::random::uniform(-1, 1, {6, 6, 3});
  for (int i = 0; i < 3; ++i) model.train_on_batch(in, family_one_hot(6, 2));
  return {model, {in}};
}

// Embedding(mask_zero) feeding an LSTM, GRU, SimpleRNN, Bidirectional in
// every merge mode, TimeDistributed, Masking, RepeatVector. `gate` is the
// recurrent activation: Keras 2's hard_sigmoid (Keras++'s default) is not
// Keras 3's, so the .keras copy uses sigmoid.
inline FamilyModel recurrent_family(const std::string& name, const std::string& gate) {
  const tf::Tensor ids = L::Input({.shape = {7}, .name = "ids", .dtype = "int32"});
  const tf::Tensor seq = L::Input({.shape = {5, 3}, .name = "seq"});
  const tf::Tensor e = L::Embedding(12, 4, {.mask_zero = true})(ids);
  tf::Tensor h = L::LSTM(5, {.recurrent_activation = gate, .return_sequences = true})(e);
  h = L::Bidirectional(L::GRU(3, {.recurrent_activation = gate, .return_sequences = true}))(h);
  h = L::TimeDistributed(L::Dense(2, {.activation = "tanh"}))(h);
  const tf::Tensor a = L::SimpleRNN(4, {.go_backwards = true})(h);
  tf::Tensor s = L::Bidirectional(L::SimpleRNN(3, {.return_sequences = true}), {.merge_mode = "sum"})(
      L::Masking(0.0)(seq));
  s = L::Bidirectional(L::LSTM(2, {.recurrent_activation = gate}), {.merge_mode = "ave"})(s);
  const tf::Tensor out1 = L::Dense(2, {.activation = "softmax", .name = "out1"})(L::concatenate({a, s}));
  const tf::Tensor r = L::Bidirectional(L::GRU(2, {.recurrent_activation = gate}),
                                        {.merge_mode = "mul"})(L::RepeatVector(3)(a));
  const tf::Tensor out2 = L::Dense(1, {.name = "out2"})(r);
  Model model({ids, seq}, {out1, out2}, name);
  model.compile({.optimizer = keras::optimizers::Adam({.lr = 0.01}),
                 .loss = std::vector<keras::losses::Loss>{"categorical_crossentropy", "mse"}});
  // Token ids with trailing zeros (masked), sequences with all-zero steps.
  const int64_t n = 8;
  np::Array xi = np::zeros({n, 7});
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < 7 - i % 4; ++j) xi.at<float>(i, j) = static_cast<float>((i * 7 + j) * 5 % 11 + 1);
  np::Array xs = np::random::uniform(-1, 1, {n, 5, 3}).astype(np::float32);
  for (int64_t i = 0; i < n; i += 3)
    for (int64_t k = 0; k < 3; ++k) xs.at<float>(i, 1, k) = 0.0f;
  for (int i = 0; i < 3; ++i) model.train_on_batch({xi, xs}, {family_one_hot(n, 2), np::random::uniform(-1, 1, {n, 1})});
  return {model, {xi, xs}};
}

}  // namespace keras_saving_test
