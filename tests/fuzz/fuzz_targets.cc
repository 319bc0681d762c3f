// The fuzzed readers (fuzz_targets.h): every reader of outside bytes.
#include "fuzz_targets.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>

#include "keraspp/errors.h"
#include "keraspp/io/idx.h"
#include "keraspp/io/mnist_input_data.h"
#include "keraspp/keras/backend.h"
#include "keraspp/keras/datasets.h"
#include "keraspp/keras/models.h"
#include "keraspp/np/npy.h"
#include "keraspp/train/saver.h"

namespace keraspp::fuzz {

namespace {

// One folder per process for the inputs readers take as files; removed at
// exit. Inputs overwrite each other: only the current one is on disk.
class Scratch {
 public:
  Scratch() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kpp_fuzz_XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~Scratch() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, std::string_view bytes) const {
    const std::string path = dir_ + "/" + name;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(),
                                                                  static_cast<std::streamsize>(bytes.size()));
    return path;
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

const Scratch& scratch() {
  static const Scratch s;
  return s;
}

// Sets an environment variable for one call (the dataset loaders read
// KERAS_HOME); the regression replay shares its process with other tests.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* v = std::getenv(name)) old_ = v;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The four MNIST IDX files, in the order split_files takes them.
constexpr const char* kMnistFiles[] = {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                       "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"};

void write_mnist_files(std::string_view bytes, const std::string& folder) {
  const auto files = split_files(bytes, 4);
  for (size_t i = 0; i < 4; ++i) scratch().write(folder + "/" + kMnistFiles[i], files[i]);
}

// Reads every element of a loaded array, so values no dtype allows (a bool
// byte of 2, say) are seen by UBSan here rather than in a user's program.
void touch(const np::Array& a) {
  double sum = 0;
  for (int64_t i = 0; i < a.size(); ++i) sum += a.get_flat(i);
  volatile double sink = sum;
  (void)sink;
}

void touch(const keras::datasets::TrainTest& d) {
  for (const auto* xy : {&d.train, &d.test}) {
    touch(xy->x);
    touch(xy->y);
  }
}

void run_npy(std::string_view bytes) { touch(np::load(scratch().write("a.npy", bytes))); }

void run_npz(std::string_view bytes) {
  for (const auto& [name, a] : np::load_npz(scratch().write("a.npz", bytes))) touch(a);
}

void run_idx(std::string_view bytes) { touch(keraspp::io::read_idx(scratch().write("a.idx", bytes))); }

void run_mnist_npz(std::string_view bytes) {
  touch(keras::datasets::mnist::load_data(scratch().write("mnist.npz", bytes)));
}

void run_fashion_mnist(std::string_view bytes) {
  write_mnist_files(bytes, "keras/datasets/fashion-mnist");
  ScopedEnv home("KERAS_HOME", scratch().dir() + "/keras");
  touch(keras::datasets::fashion_mnist::load_data());
}

void run_mnist_input_data(std::string_view bytes) {
  namespace input_data = tf::examples::tutorials::mnist::input_data;
  write_mnist_files(bytes, "input_data");
  const auto sets =
      input_data::read_data_sets(scratch().dir() + "/input_data", {.one_hot = true, .validation_size = 1});
  for (const auto* set : {&sets.train, &sets.validation, &sets.test}) {
    touch(set->images());
    touch(set->labels());
  }
}

// Keras builds models in its one graph: each input starts a fresh one, or
// the graph (and the process) would grow with every input.
void run_hdf5_model(std::string_view bytes) {
  keras::backend::clear_session();
  keras::models::load_model(scratch().write("model.h5", bytes));
}

// A Keras 3 .keras zip (metadata.json, config.json, model.weights.h5).
void run_keras_zip(std::string_view bytes) {
  keras::backend::clear_session();
  keras::models::load_model(scratch().write("model.keras", bytes));
}

void run_model_json(std::string_view bytes) {
  keras::backend::clear_session();
  keras::models::model_from_json(std::string(bytes));
}

// A V2 checkpoint: the .index file, then the one data shard.
void run_checkpoint(std::string_view bytes) {
  const auto files = split_files(bytes, 2);
  scratch().write("ckpt.index", files[0]);
  scratch().write("ckpt.data-00000-of-00001", files[1]);
  const tf::train::CheckpointReader reader(scratch().dir() + "/ckpt");
  for (const auto& [key, shape] : reader.get_variable_to_shape_map()) touch(reader.get_tensor(key));
}

}  // namespace

const std::vector<FuzzTarget>& fuzz_targets() {
  static const std::vector<FuzzTarget> targets = {
      {"npy", run_npy},
      {"npz", run_npz},
      // One reader, gzip detected from the content; two corpora so both
      // containers are explored from a valid start.
      {"idx", run_idx},
      {"idx_gzip", run_idx},
      {"mnist_npz", run_mnist_npz},
      {"fashion_mnist", run_fashion_mnist},
      {"mnist_input_data", run_mnist_input_data},
      {"hdf5_model", run_hdf5_model},
      {"model_json", run_model_json},
      {"checkpoint", run_checkpoint},
      {"keras_zip", run_keras_zip},
  };
  return targets;
}

const FuzzTarget* find_fuzz_target(std::string_view name) {
  for (const FuzzTarget& t : fuzz_targets())
    if (t.name == name) return &t;
  return nullptr;
}

Result run_fuzz_input(const FuzzTarget& target, std::string_view bytes) {
  try {
    target.run(bytes);
    return {Outcome::kLoaded, {}};
  } catch (const keraspp::ValueError& e) {
    return {Outcome::kRejected, e.what()};
  } catch (const keraspp::TypeError& e) {
    return {Outcome::kRejected, e.what()};
  } catch (const keraspp::IOError& e) {
    return {Outcome::kRejected, e.what()};
  } catch (const keraspp::LookupError& e) {
    return {Outcome::kRejected, e.what()};
  } catch (const tf::errors::OpError& e) {
    return {Outcome::kRejected, e.what()};
  } catch (const std::exception& e) {
    return {Outcome::kFinding, std::string("exception outside the error model: ") + e.what()};
  } catch (...) {
    return {Outcome::kFinding, "exception outside the error model (not a std::exception)"};
  }
}

std::vector<std::string_view> split_files(std::string_view bytes, size_t n) {
  std::vector<size_t> lengths;
  size_t pos = 0;
  for (size_t i = 0; i + 1 < n; ++i) {
    uint32_t len = 0;
    for (int b = 0; b < 4; ++b, ++pos)
      if (pos < bytes.size()) len |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[pos])) << (8 * b);
    lengths.push_back(len);
  }
  std::vector<std::string_view> files;
  pos = std::min(pos, bytes.size());
  for (size_t i = 0; i < n; ++i) {
    const size_t left = bytes.size() - pos;
    const size_t len = i + 1 < n ? std::min<size_t>(lengths[i], left) : left;
    files.push_back(bytes.substr(pos, len));
    pos += len;
  }
  return files;
}

std::string join_files(const std::vector<std::string>& files) {
  std::string out;
  for (size_t i = 0; i + 1 < files.size(); ++i)
    for (int b = 0; b < 4; ++b) out += static_cast<char>((files[i].size() >> (8 * b)) & 0xff);
  for (const std::string& f : files) out += f;
  return out;
}

}  // namespace keraspp::fuzz
