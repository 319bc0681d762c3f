// An MLP written with raw tf:: ops (no tf::layers, no Keras): placeholders,
// variables, matmul + relu, softmax cross-entropy on logits, Adagrad, and a
// session feeding mini-batches from TF's MNIST reader. Trains on
// Fashion-MNIST from Debian's dataset-fashion-mnist by default.
//
//   raw_ops_mlp [--data DIR] [--epochs N] [--batch B] [--lr LR]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "keraspp/io/mnist_input_data.h"
#include "keraspp/np.h"
#include "keraspp/ops/nn_ops.h"
#include "keraspp/ops/random_ops.h"
#include "keraspp/tf.h"

namespace input_data = tf::examples::tutorials::mnist::input_data;

namespace {

// w: [in, out], glorot-uniform; b: [out] zeros.
std::pair<tf::Variable, tf::Variable> dense_weights(int64_t in, int64_t out, const std::string& name) {
  const double limit = std::sqrt(6.0 / static_cast<double>(in + out));
  tf::Variable w(tf::random_uniform(std::vector<int64_t>{in, out}, {.minval = -limit, .maxval = limit}),
                 {.name = name + "_w"});
  tf::Variable b(tf::zeros({out}), {.name = name + "_b"});
  return {w, b};
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/usr/share/datasets/fashion-mnist";
  int epochs = 3, batch = 128;
  double lr = 0.05;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--epochs")) epochs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--batch")) batch = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--lr")) lr = std::atof(argv[i + 1]);
  }
  try {
    np::random::seed(1337);
    tf::set_random_seed(1337);
    auto mnist = input_data::read_data_sets(dir, {.one_hot = true});
    std::printf("%lld train samples, %lld test samples (%s)\n",
                static_cast<long long>(mnist.train.num_examples()),
                static_cast<long long>(mnist.test.num_examples()), dir.c_str());

    auto x = tf::placeholder(tf::float32, {-1, 784}, "x");
    auto y_ = tf::placeholder(tf::float32, {-1, 10}, "y_");
    auto [w1, b1] = dense_weights(784, 512, "h1");
    auto [w2, b2] = dense_weights(512, 512, "h2");
    auto [w3, b3] = dense_weights(512, 10, "out");
    auto h1 = tf::nn::relu(tf::nn::bias_add(tf::matmul(x, w1), b1));
    auto h2 = tf::nn::relu(tf::nn::bias_add(tf::matmul(h1, w2), b2));
    auto logits = tf::nn::bias_add(tf::matmul(h2, w3), b3);
    auto loss = tf::reduce_mean(tf::nn::softmax_cross_entropy_with_logits(y_, logits));
    auto train_step = tf::train::AdagradOptimizer(lr).minimize(loss);
    auto correct = tf::equal(tf::argmax(logits, 1), tf::argmax(y_, 1));
    auto accuracy = tf::reduce_mean(tf::cast(correct, tf::float32));

    tf::Session sess;
    sess.run(tf::global_variables_initializer());
    const int64_t steps_per_epoch = mnist.train.num_examples() / batch;
    for (int e = 1; e <= epochs; ++e) {
      const auto t0 = std::chrono::steady_clock::now();
      double sum = 0;
      for (int64_t s = 0; s < steps_per_epoch; ++s) {
        auto [bx, by] = mnist.train.next_batch(batch);
        sum += sess.run({train_step}, {loss}, {{x, bx}, {y_, by}})[0].item<double>();
      }
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const float val = sess.run(accuracy, {{x, mnist.validation.images()}, {y_, mnist.validation.labels()}})
                            .item<float>();
      std::printf("epoch %d: loss %.4f, validation accuracy %.4f (%.2fs)\n", e,
                  sum / static_cast<double>(steps_per_epoch), val, secs);
    }
    const float test = sess.run(accuracy, {{x, mnist.test.images()}, {y_, mnist.test.labels()}}).item<float>();
    std::printf("Test accuracy: %.4f\n", test);
    if (std::getenv("KERASPP_PROFILE")) std::fputs(sess.profile_report().c_str(), stderr);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
