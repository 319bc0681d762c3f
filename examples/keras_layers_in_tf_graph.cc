// The seed's program 2: Keras as a layer library inside a TensorFlow graph.
// Keras Dense/Dropout layers build an MLP under tf::variable_scope("mlp_model");
// the loss, optimizer, accuracy and session loop are plain TF. Dropout is
// switched by feeding K::learning_phase(): 1 while training, 0 to evaluate.
//
//   keras_layers_in_tf_graph [DATA_DIR] [--steps N] [--log-every N]
//
// DATA_DIR holds the four MNIST-format IDX files (default: Debian's
// Fashion-MNIST, /usr/share/datasets/fashion-mnist). --steps defaults to the
// seed's 10001.
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "keraspp/io/mnist_input_data.h"
#include "keraspp/keras.h"
#include "keraspp/losses/losses.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"
#include "keraspp/variables/variable_scope.h"

namespace K = keras::backend;
namespace input_data = tf::examples::tutorials::mnist::input_data;

namespace {

input_data::Datasets load_data(const std::string& dirn) {
  auto mnist = input_data::read_data_sets(dirn, {.one_hot = true});
  std::cout << mnist.train.num_examples() << " train samples\n";
  std::cout << mnist.test.num_examples() << " test samples\n";
  std::cout << mnist.validation.num_examples() << " validation samples (not used)\n";
  return mnist;
}

tf::Tensor mlp_model(const tf::Tensor& input) {
  // MLP network model
  tf::variable_scope scope("mlp_model");
  auto x = keras::layers::Dense(512, {.activation = "relu"})(input);
  x = keras::layers::Dropout(0.2)(x);
  x = keras::layers::Dense(512, {.activation = "relu"})(x);
  x = keras::layers::Dropout(0.2)(x);
  return keras::layers::Dense(10, {.activation = "softmax"})(x);
}

// Python's str() of a numpy float32: the shortest text that reads back.
std::string float_str(float v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, end);
  if (s.find_first_of(".e") == std::string::npos && s.find("inf") == std::string::npos &&
      s.find("nan") == std::string::npos)
    s += ".0";
  return s;
}

int64_t parse_count(const char* flag, const char* value) {
  char* end = nullptr;
  const long long v = std::strtoll(value, &end, 10);
  if (!*value || *end || v < 0) {
    std::cerr << "error: " << flag << " needs a non-negative integer, got '" << value << "'\n";
    std::exit(2);
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dirn = "/usr/share/datasets/fashion-mnist";
  int64_t steps = 10001, log_every = 1000;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--steps" || a == "--log-every") && i + 1 < argc) {
      (a == "--steps" ? steps : log_every) = parse_count(a.c_str(), argv[++i]);
    } else if (a == "-h" || a == "--help") {
      std::cout << "usage: keras_layers_in_tf_graph [DATA_DIR] [--steps N] [--log-every N]\n";
      return 0;
    } else if (!a.empty() && a[0] != '-') {
      dirn = a;
    } else {
      std::cerr << "error: unknown argument '" << a << "'\n";
      return 2;
    }
  }
  if (log_every == 0) log_every = 1;

  try {
    np::random::seed(1337);
    auto mnist = load_data(dirn);
    // tensorflow placeholders
    auto x = tf::placeholder(tf::float32, {-1, 784});
    auto y_ = tf::placeholder(tf::float32, {-1, 10});
    // define TF graph
    auto y_pred = mlp_model(x);
    auto loss = tf::losses::softmax_cross_entropy(y_, y_pred);
    auto train_step = tf::train::AdagradOptimizer(0.05).minimize(loss);
    auto correct_prediction = tf::equal(tf::argmax(y_pred, 1), tf::argmax(y_, 1));
    auto accuracy = tf::reduce_mean(tf::cast(correct_prediction, tf::float32));

    auto init = tf::global_variables_initializer();

    tf::Session sess;
    auto as_default = sess.as_default();
    sess.run(init);
    std::cout << "Training...\n";
    for (int64_t i = 0; i < steps; ++i) {
      auto [batch_xs, batch_ys] = mnist.train.next_batch(100);
      train_step.run({{x, batch_xs}, {y_, batch_ys}, {K::learning_phase(), 1}});
      if (i % log_every == 0) {
        auto [batch_xv, batch_yv] = mnist.test.next_batch(200);
        const float val_accuracy =
            accuracy.eval({{x, batch_xv}, {y_, batch_yv}, {K::learning_phase(), 0}}).item<float>();
        std::printf("  step, accurary = %6lld: %6.3f\n", static_cast<long long>(i), val_accuracy);
        std::fflush(stdout);
      }
    }

    const float test_accuracy =
        accuracy.eval({{x, mnist.test.images()}, {y_, mnist.test.labels()}, {K::learning_phase(), 0}})
            .item<float>();
    std::cout << "Test accuracy: " << float_str(test_accuracy) << '\n';

    std::cout << "variables:\n";
    for (const tf::Variable& v : tf::global_variables()) std::cout << v << '\n';
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  }
}
