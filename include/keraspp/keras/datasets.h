// keras.datasets (Keras 2.0.2): the built-in data sets, read from the local
// Keras cache. Keras++ never downloads: a missing file is an IOError that
// names the file and every folder searched, so the user can put it there.
//
//   auto [train, test] = keras::datasets::mnist::load_data();
//   // train.x: uint8 (60000, 28, 28), train.y: uint8 (60000,)
//   auto [x_train, y_train] = train;
#pragma once
#include <string>
#include <vector>

#include "keraspp/np/array.h"

namespace keras::datasets {

// One split: inputs and targets (Python's (x, y) tuple).
struct XY {
  np::Array x, y;
};
// load_data()'s ((x_train, y_train), (x_test, y_test)).
struct TrainTest {
  XY train, test;
};

// The folders searched for cached data sets, in order: $KERAS_HOME/datasets
// (when KERAS_HOME is set), then ~/.keras/datasets.
std::vector<std::string> cache_dirs();

namespace mnist {
// Reads Keras's mnist.npz (arrays x_train, y_train, x_test, y_test): `path`
// as given if that file exists, else <cache dir>/<path> for each cache_dirs().
// IOError if not found (naming the file and the folders searched);
// ValueError if an array is missing or the counts of x and y differ.
TrainTest load_data(const std::string& path = "mnist.npz");
}  // namespace mnist

namespace fashion_mnist {
// Reads train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from the first of
// <cache dir>/fashion-mnist (each cache_dirs()) and
// /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist) that
// holds all four. x: uint8 (N, 28, 28), y: uint8 (N,). IOError naming the
// files and folders searched if none does.
TrainTest load_data();
}  // namespace fashion_mnist

}  // namespace keras::datasets
