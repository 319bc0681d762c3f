// The seed's program 1: the Keras 2 MNIST MLP (784-512-512-10 with relu and
// dropout 0.2), trained with Adagrad by model.fit and scored by evaluate.
//
//   mnist_mlp [--epochs N] [--batch-size N] [--verbose 0|1|2]
//
// Data: Keras's mnist.npz when it is in the Keras cache ($KERAS_HOME/datasets
// or ~/.keras/datasets), else Fashion-MNIST (the Keras cache or Debian's
// dataset-fashion-mnist); the program says which it uses.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>

#include "keraspp/keras.h"
#include "keraspp/np.h"

namespace K = keras::backend;
using keras::layers::Activation;
using keras::layers::Dense;
using keras::layers::Dropout;
using keras::models::Sequential;

namespace {

struct Data {
  np::Array x_train, y_train, x_test, y_test;
};

// Reshapes to (N, 784) floats in [0, 1] and one-hot labels, as the seed does.
Data load_data(int64_t nb_classes = 10) {
  keras::datasets::TrainTest d;
  try {
    d = keras::datasets::mnist::load_data();
    std::cout << "Using MNIST (mnist.npz)\n";
  } catch (const keraspp::IOError&) {
    d = keras::datasets::fashion_mnist::load_data();
    std::cout << "mnist.npz not found in the Keras cache: using Fashion-MNIST\n";
  }
  Data out;
  const int64_t n_train = d.train.x.shape(0), n_test = d.test.x.shape(0);
  out.x_train = d.train.x.reshape({n_train, 784}).astype(np::float32) / 255.0;
  out.x_test = d.test.x.reshape({n_test, 784}).astype(np::float32) / 255.0;
  std::cout << n_train << " train samples\n";
  std::cout << n_test << " test samples\n";
  // convert class vectors to binary class matrices
  out.y_train = keras::utils::np_utils::to_categorical(d.train.y, nb_classes);
  out.y_test = keras::utils::np_utils::to_categorical(d.test.y, nb_classes);
  return out;
}

Sequential mk_model() {
  Sequential model;
  model.add(Dense(512, {.input_dim = 784}));
  model.add(Activation("relu"));
  model.add(Dropout(0.2));
  model.add(Dense(512));
  model.add(Activation("relu"));
  model.add(Dropout(0.2));
  model.add(Dense(10));
  model.add(Activation("softmax"));
  return model;
}

int parse_int(const char* flag, const char* value) {
  char* end = nullptr;
  const long v = value ? std::strtol(value, &end, 10) : 0;
  if (!value || *end != '\0' || v < 0) {
    std::cerr << "mnist_mlp: " << flag << " needs a non-negative integer\n";
    std::exit(2);
  }
  return static_cast<int>(v);
}

}  // namespace

int main(int argc, char** argv) {
  int nb_epoch = 20, batch_size = 128, verbose = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "--epochs") nb_epoch = parse_int("--epochs", v), ++i;
    else if (a == "--batch-size") batch_size = parse_int("--batch-size", v), ++i;
    else if (a == "--verbose") verbose = parse_int("--verbose", v), ++i;
    else {
      std::cerr << "usage: mnist_mlp [--epochs N] [--batch-size N] [--verbose 0|1|2]\n";
      return 2;
    }
  }
  try {
    np::random::seed(1337);  // for reproducibility
    Data d = load_data();
    Sequential model = mk_model();
    model.summary();  // check model configuration

    model.compile({.optimizer = keras::optimizers::Adagrad(), .loss = "categorical_crossentropy",
                   .metrics = {"accuracy"}});
    model.fit(d.x_train, d.y_train, {.batch_size = batch_size, .epochs = nb_epoch, .verbose = verbose,
                                     .validation_data = {{d.x_test, d.y_test}}});

    std::vector<double> score = model.evaluate(d.x_test, d.y_test, {.verbose = 0});
    std::printf("\nTest score   : %.4f\n", score[0]);
    std::printf("Test accuracy: %.4f\n", score[1]);

    K::clear_session();
  } catch (const std::exception& e) {
    std::cerr << "mnist_mlp: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
