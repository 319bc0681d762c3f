// Writes the seed corpora of the fuzz harnesses: small valid files made by
// Keras++'s own writers (checked in under tests/fuzz/corpus/<harness>/; rerun
// after a writer changes its format). Usage: fuzz_make_seeds CORPUS_DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_targets.h"
#include "keraspp/io/idx.h"
#include "keraspp/keras.h"
#include "keraspp/np.h"
#include "keraspp/train/saver.h"

namespace fs = std::filesystem;
namespace L = keras::layers;
using keraspp::fuzz::join_files;

namespace {

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_seed(const fs::path& corpus, const std::string& target, const std::string& name,
                const std::string& bytes) {
  fs::create_directories(corpus / target);
  std::ofstream(corpus / target / name, std::ios::binary) << bytes;
  std::printf("%s/%s: %zu bytes\n", target.c_str(), name.c_str(), bytes.size());
}

// A file's bytes as one of Keras++'s writers makes them.
template <class Write>
std::string written(const fs::path& tmp, const std::string& name, Write write) {
  const std::string path = (tmp / name).string();
  write(path);
  return read_bytes(path);
}

np::Array iota(const np::Shape& shape, np::DType dtype) {
  np::Array a = np::Array::empty(shape, dtype);
  for (int64_t i = 0; i < a.size(); ++i) a.set_flat(i, static_cast<double>(i % 7));
  return a;
}

// The four MNIST IDX files of a 3-image training set and a 2-image test set.
std::string mnist_idx_files(const fs::path& tmp, bool gzip) {
  std::vector<std::string> files;
  for (const auto& [n, labels] : {std::pair{3, false}, {3, true}, {2, false}, {2, true}}) {
    const np::Array a = labels ? iota({n}, np::uint8) : iota({n, 4, 4}, np::uint8);
    files.push_back(written(tmp, "f.idx", [&](const std::string& p) { keraspp::io::write_idx(p, a, gzip); }));
  }
  return join_files(files);
}

keras::models::Sequential tiny_model() {
  keras::models::Sequential model;
  model.add(L::Dense(3, {.activation = "relu", .input_dim = 2}));
  model.add(L::Dense(2, {.activation = "softmax"}));
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  return model;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  const fs::path corpus = argv[1];
  const fs::path tmp = fs::temp_directory_path() / "kpp_fuzz_seeds";
  fs::create_directories(tmp);
  const np::Array f = iota({2, 3}, np::float32);
  const np::Array i = iota({4}, np::int64);

  write_seed(corpus, "npy", "float32_2x3.npy", written(tmp, "a.npy", [&](auto& p) { np::save(p, f); }));
  write_seed(corpus, "npy", "int64_4.npy", written(tmp, "b.npy", [&](auto& p) { np::save(p, i); }));
  write_seed(corpus, "npz", "stored.npz",
             written(tmp, "a.npz", [&](auto& p) { np::savez(p, {{"f", f}, {"i", i}}); }));
  write_seed(corpus, "npz", "deflated.npz",
             written(tmp, "b.npz", [&](auto& p) { np::savez_compressed(p, {{"f", f}, {"i", i}}); }));
  const np::Array images = iota({2, 3, 3}, np::uint8);
  write_seed(corpus, "idx", "uint8_2x3x3.idx",
             written(tmp, "a.idx", [&](auto& p) { keraspp::io::write_idx(p, images, false); }));
  write_seed(corpus, "idx", "float32_2x3.idx",
             written(tmp, "b.idx", [&](auto& p) { keraspp::io::write_idx(p, f, false); }));
  write_seed(corpus, "idx_gzip", "uint8_2x3x3.idx.gz",
             written(tmp, "a.idx.gz", [&](auto& p) { keraspp::io::write_idx(p, images, true); }));
  write_seed(corpus, "mnist_npz", "mnist.npz", written(tmp, "mnist.npz", [&](auto& p) {
               np::savez_compressed(p, {{"x_train", iota({3, 4, 4}, np::uint8)},
                                        {"y_train", iota({3}, np::uint8)},
                                        {"x_test", iota({2, 4, 4}, np::uint8)},
                                        {"y_test", iota({2}, np::uint8)}});
             }));
  write_seed(corpus, "fashion_mnist", "four_gzip_files", mnist_idx_files(tmp, true));
  write_seed(corpus, "mnist_input_data", "four_gzip_files", mnist_idx_files(tmp, true));
  write_seed(corpus, "mnist_input_data", "four_plain_files", mnist_idx_files(tmp, false));

  keras::models::Sequential model = tiny_model();
  write_seed(corpus, "hdf5_model", "dense_adam.h5", written(tmp, "m.h5", [&](auto& p) { model.save(p); }));
  write_seed(corpus, "keras_zip", "dense_adam.keras", written(tmp, "m.keras", [&](auto& p) { model.save(p); }));
  write_seed(corpus, "model_json", "sequential.json", model.to_json());

  const std::string prefix = (tmp / "ckpt").string();
  tf::train::write_checkpoint(prefix, {{"dense/kernel", f}, {"global_step", np::Array::scalar<int64_t>(3)}});
  write_seed(corpus, "checkpoint", "two_tensors",
             join_files({read_bytes(prefix + ".index"), read_bytes(prefix + ".data-00000-of-00001")}));
  fs::remove_all(tmp);
  return 0;
}
