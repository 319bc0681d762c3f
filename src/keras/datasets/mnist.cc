// keras.datasets.mnist.load_data: Keras's mnist.npz from the Keras cache.
#include <map>
#include <string>
#include <vector>

#include "cache.h"
#include "keraspp/errors.h"
#include "keraspp/io/idx.h"
#include "keraspp/keras/datasets.h"
#include "keraspp/np/npy.h"

namespace keras::datasets::mnist {

namespace {

np::Array get(std::map<std::string, np::Array>& arrays, const std::string& key,
              const std::string& file) {
  auto it = arrays.find(key);
  if (it == arrays.end())
    throw keraspp::ValueError("MNIST file " + file + " has no array '" + key +
                              "' (Keras's mnist.npz holds x_train, y_train, x_test, y_test)");
  return it->second;
}

void check_pair(const np::Array& x, const np::Array& y, const std::string& split,
                const std::string& file) {
  if (x.ndim() == 0 || y.ndim() == 0 || x.shape(0) != y.shape(0))
    throw keraspp::ValueError("MNIST file " + file + ": x_" + split + " has shape " +
                              np::shape_str(x.shape()) + " but y_" + split + " has shape " +
                              np::shape_str(y.shape()));
}

}  // namespace

TrainTest load_data(const std::string& path) {
  std::vector<std::string> searched;
  std::string found;
  if (keraspp::io::is_regular_file(path)) {
    found = path;
  } else {
    searched.push_back(path);
    // An absolute path names one file; only a bare or relative name is
    // looked up in the cache, as Keras's get_file does.
    if (!path.empty() && path.front() != '/') {
      for (const std::string& dir : cache_dirs()) {
        const std::string candidate = detail::join(dir, path);
        if (keraspp::io::is_regular_file(candidate)) {
          found = candidate;
          break;
        }
        searched.push_back(candidate);
      }
    }
  }
  if (found.empty())
    detail::throw_not_found(path, searched,
                            "Keras++ does not download data sets: copy Keras's mnist.npz "
                            "(https://s3.amazonaws.com/img-datasets/mnist.npz) into " +
                                cache_dirs().front());

  auto arrays = np::load_npz(found);
  TrainTest out;
  out.train = {get(arrays, "x_train", found), get(arrays, "y_train", found)};
  out.test = {get(arrays, "x_test", found), get(arrays, "y_test", found)};
  check_pair(out.train.x, out.train.y, "train", found);
  check_pair(out.test.x, out.test.y, "test", found);
  return out;
}

}  // namespace keras::datasets::mnist
