// The seed's third program: tf.layers with variable_scope(reuse=True) sharing
// variables. mlp1 trains with AdagradOptimizer(0.05); mlp2 is built in the
// same scope with reuse and must give the same outputs with no new variables.
//
//   tf_layers_sharing [--data DIR] [--steps N]
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "keraspp/io/mnist_input_data.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"

namespace input_data = tf::examples::tutorials::mnist::input_data;

// images: [batch, 784] -> logits [batch, 10].
tf::Tensor nn_model(const tf::Tensor& images, const tf::Tensor& drop_rate, const std::string& vs,
                    bool reuse = false) {
  tf::variable_scope scope(vs, {.reuse = reuse});
  auto net = tf::layers::dense(images, 512, {.activation = tf::nn::relu, .name = "dense1"});
  net = tf::layers::dropout(net, {.rate = drop_rate});
  net = tf::layers::dense(net, 512, {.activation = tf::nn::relu, .name = "dense2"});
  net = tf::layers::dropout(net, {.rate = drop_rate});
  net = tf::layers::dense(net, 10, {.name = "dense3"});
  return net;
}

int main(int argc, char** argv) {
  std::string dir = "/usr/share/datasets/fashion-mnist";
  int steps = 2001;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data")) dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--steps")) steps = std::atoi(argv[i + 1]);
  }
  try {
    tf::set_random_seed(1337);
    auto mnist = input_data::read_data_sets(dir, {.one_hot = true, .seed = 1337});

    auto x = tf::placeholder(tf::float32, {-1, 784});
    auto y_ = tf::placeholder(tf::float32, {-1, 10});
    auto keep_prob = tf::placeholder(tf::float32);

    auto drop_rate = 1 - keep_prob;
    auto mlp1_pred = nn_model(x, drop_rate, "mlp1");
    const size_t vars_after_mlp1 = tf::global_variables().size();
    auto mlp2_pred = nn_model(x, drop_rate, "mlp1", /*reuse=*/true);
    const size_t vars_after_mlp2 = tf::global_variables().size();

    auto loss = tf::losses::softmax_cross_entropy(y_, mlp1_pred);
    auto train_step = tf::train::AdagradOptimizer(0.05).minimize(loss);
    auto correct_prediction = tf::equal(tf::argmax(mlp1_pred, 1), tf::argmax(y_, 1));
    auto accuracy1 = tf::reduce_mean(tf::cast(correct_prediction, tf::float32));

    tf::Session sess;
    sess.run(tf::global_variables_initializer());
    std::printf("Training...\n");
    for (int i = 0; i < steps; ++i) {
      auto [bx, by] = mnist.train.next_batch(100);
      sess.run(train_step, {{x, bx}, {y_, by}, {keep_prob, 0.8f}});
      if (i % 500 == 0) {
        auto [vx, vy] = mnist.test.next_batch(200);
        const float acc = sess.run(accuracy1, {{x, vx}, {y_, vy}, {keep_prob, 1.0f}}).item<float>();
        std::printf("  step, accurary = %6d: %6.3f\n", i, acc);
      }
    }
    tf::FeedDict test_fd{{x, mnist.test.images()}, {y_, mnist.test.labels()}, {keep_prob, 1.0f}};
    std::printf("Test accuracy: %.4f\n", sess.run(accuracy1, test_fd).item<float>());

    // mlp2 reuses mlp1's variables: nothing new, identical predictions.
    auto preds = sess.run(std::vector<tf::Tensor>{mlp1_pred, mlp2_pred}, test_fd);
    std::printf("variables after mlp1: %zu, after mlp2 (reuse): %zu\n", vars_after_mlp1,
                vars_after_mlp2);
    std::printf("mlp2 outputs equal mlp1's: %s\n", np::array_equal(preds[0], preds[1]) ? "yes" : "no");
    std::printf("variables:\n");
    for (const auto& v : tf::global_variables()) std::cout << v << '\n';
    return vars_after_mlp1 == vars_after_mlp2 && np::array_equal(preds[0], preds[1]) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
