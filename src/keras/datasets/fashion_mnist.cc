// keras.datasets.fashion_mnist.load_data: the four IDX .gz files, from the
// Keras cache or Debian's dataset-fashion-mnist package.
#include <string>
#include <vector>

#include "cache.h"
#include "keraspp/errors.h"
#include "keraspp/io/idx.h"
#include "keraspp/keras/datasets.h"

namespace keras::datasets::fashion_mnist {

namespace {

constexpr const char* kFiles[4] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                   "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};
constexpr const char* kDebianDir = "/usr/share/datasets/fashion-mnist";

XY read_split(const std::string& dir, const char* images_name, const char* labels_name) {
  const std::string ip = detail::join(dir, images_name), lp = detail::join(dir, labels_name);
  np::Array x = keraspp::io::read_idx(ip);
  np::Array y = keraspp::io::read_idx(lp);
  // Keras reads these with fixed offsets and trusts them; check instead, so
  // a wrong file is a clear error rather than garbage images.
  if (x.dtype() != np::uint8 || x.ndim() != 3)
    throw keraspp::ValueError("Fashion-MNIST file " + ip + " should hold uint8 images (N, 28, 28), got " +
                              np::dtype_name(x.dtype()) + " " + np::shape_str(x.shape()));
  if (y.dtype() != np::uint8 || y.ndim() != 1 || y.shape(0) != x.shape(0))
    throw keraspp::ValueError("Fashion-MNIST file " + lp + " should hold " + std::to_string(x.shape(0)) +
                              " uint8 labels, got " + np::dtype_name(y.dtype()) + " " +
                              np::shape_str(y.shape()));
  return {x, y};
}

}  // namespace

TrainTest load_data() {
  std::vector<std::string> dirs;
  for (const std::string& d : cache_dirs()) dirs.push_back(detail::join(d, "fashion-mnist"));
  dirs.push_back(kDebianDir);

  for (const std::string& dir : dirs) {
    bool all = true;
    for (const char* f : kFiles) all = all && keraspp::io::is_regular_file(detail::join(dir, f));
    if (!all) continue;
    TrainTest out;
    out.train = read_split(dir, kFiles[0], kFiles[1]);
    out.test = read_split(dir, kFiles[2], kFiles[3]);
    return out;
  }
  std::string files;
  for (const char* f : kFiles) files += (files.empty() ? "" : ", ") + std::string(f);
  detail::throw_not_found("fashion-mnist/{" + files + "}", dirs,
                          "Keras++ does not download data sets: install Debian's "
                          "dataset-fashion-mnist or put the four files in " + dirs.front());
}

}  // namespace keras::datasets::fashion_mnist
