// A tf.nn.dynamic_rnn program in the style of the seed's raw-TF programs: a
// BasicLSTMCell reads sequences of variable length (sequence_length) and a
// dense layer on its final h says whether the sequence's sum is positive.
// Data is synthetic (a fixed seed), so the program needs no files.
//
//   dynamic_rnn [--steps N] [--batch B] [--lr LR] [--min-accuracy A]
// exits 1 when the test accuracy stays below --min-accuracy (CI's check).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>

#include "keraspp/layers/rnn.h"
#include "keraspp/ops/nn_ops.h"
#include "keraspp/tf.h"

namespace {

constexpr int64_t kTime = 16, kDepth = 2;

// Sequences [n, kTime, kDepth] whose steps past their length are zero,
// their lengths, and one-hot labels [n, 2] (is the sum of column 0 positive).
struct Batch {
  np::Array x, lengths, labels;
};
Batch make_batch(std::mt19937& rng, int64_t n) {
  std::normal_distribution<float> normal;
  std::uniform_int_distribution<int32_t> length(4, static_cast<int32_t>(kTime));
  Batch b{np::Array::empty({n, kTime, kDepth}, np::float32), np::Array::empty({n}, np::int32),
          np::Array::empty({n, 2}, np::float32)};
  for (int64_t i = 0; i < n; ++i) {
    const int32_t len = length(rng);
    double sum = 0;
    for (int64_t t = 0; t < kTime; ++t)
      for (int64_t d = 0; d < kDepth; ++d) {
        const float v = t < len ? normal(rng) : 0.0f;
        b.x.at<float>(i, t, d) = v;
        if (d == 0) sum += v;
      }
    b.lengths.at<int32_t>(i) = len;
    b.labels.at<float>(i, 0) = sum > 0 ? 0.0f : 1.0f;
    b.labels.at<float>(i, 1) = sum > 0 ? 1.0f : 0.0f;
  }
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  int steps = 600, batch = 64;
  double lr = 0.01, min_accuracy = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch")) batch = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--lr")) lr = std::atof(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--min-accuracy")) min_accuracy = std::atof(argv[i + 1]);
  }
  try {
    tf::set_random_seed(1337);
    std::mt19937 rng(1337);
    auto x = tf::placeholder(tf::float32, {-1, kTime, kDepth}, "x");
    auto lengths = tf::placeholder(tf::int32, {-1}, "lengths");
    auto y_ = tf::placeholder(tf::float32, {-1, 2}, "y_");
    tf::nn::BasicLSTMCell cell(32);
    auto [outputs, state] = tf::nn::dynamic_rnn(cell, x, {.dtype = tf::float32, .sequence_length = lengths});
    tf::Variable w(tf::truncated_normal(std::vector<int64_t>{32, 2}, {.stddev = 0.1}), {.name = "out_w"});
    tf::Variable b(tf::zeros({2}), {.name = "out_b"});
    auto logits = tf::nn::bias_add(tf::matmul(state[1], w), b);
    auto loss = tf::reduce_mean(tf::nn::softmax_cross_entropy_with_logits(y_, logits));
    auto train_step = tf::train::AdamOptimizer(lr).minimize(loss);
    auto accuracy = tf::reduce_mean(tf::cast(tf::equal(tf::argmax(logits, 1), tf::argmax(y_, 1)), tf::float32));
    for (const tf::Variable& v : cell.variables()) std::printf("%s\n", v.name().c_str());

    tf::Session sess;
    sess.run(tf::global_variables_initializer());
    const Batch test = make_batch(rng, 1000);
    for (int s = 1; s <= steps; ++s) {
      const Batch b = make_batch(rng, batch);
      const double l = sess.run({train_step}, {loss}, {{x, b.x}, {lengths, b.lengths}, {y_, b.labels}})[0].item<double>();
      if (s % 100 == 0 || s == steps) std::printf("step %d: loss %.4f\n", s, l);
    }
    const float acc = sess.run(accuracy, {{x, test.x}, {lengths, test.lengths}, {y_, test.labels}}).item<float>();
    std::printf("Test accuracy: %.4f\n", acc);
    return acc >= min_accuracy ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
