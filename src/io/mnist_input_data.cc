// TF 1.x's tutorial MNIST reader (input_data.read_data_sets) and its DataSet.
#include "keraspp/io/mnist_input_data.h"

#include <cstring>
#include <mutex>
#include <numeric>
#include <vector>

#include "keraspp/errors.h"
#include "keraspp/io/idx.h"
#include "keraspp/np/philox.h"
#include "keraspp/np/random.h"

namespace tf::examples::tutorials::mnist::input_data {

namespace io = keraspp::io;
using keraspp::TypeError;
using keraspp::ValueError;

namespace {

constexpr uint32_t kImageMagic = 2051;
constexpr uint32_t kLabelMagic = 2049;

// Rows of `a` then rows of `b` (same trailing shape and dtype) in a new
// array; a plain copy so this layer does not depend on np's math.
np::Array concat_rows(const np::Array& a, const np::Array& b) {
  np::Shape s = a.shape();
  s[0] += b.shape(0);
  np::Array out = np::Array::empty(s, a.dtype());
  if (a.nbytes()) std::memcpy(out.raw_data(), a.raw_data(), a.nbytes());
  if (b.nbytes()) std::memcpy(static_cast<char*>(out.raw_data()) + a.nbytes(), b.raw_data(), b.nbytes());
  return out;
}

// A uniform permutation of 0..n-1 by Fisher-Yates on a Philox stream; the
// stream id (`counter_hi`) is the DataSet's shuffle count, so every epoch of
// a seeded DataSet gets fresh but repeatable numbers.
std::vector<int64_t> philox_permutation(int64_t n, uint64_t key, uint64_t stream) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), int64_t{0});
  np::random::Philox4x32 gen(key, stream);
  np::random::Philox4x32::Block block{};
  int used = 4;
  for (int64_t i = n - 1; i > 0; --i) {
    if (used == 4) {
      block = gen.next();
      used = 0;
    }
    const uint64_t r = (static_cast<uint64_t>(block[used]) << 32) | block[used + 1];
    used += 2;
    // Multiply-shift maps 64 random bits to [0, i]; the bias (< 2^-32 for
    // any data set size) is far below anything a test could see.
    const auto j = static_cast<int64_t>((static_cast<unsigned __int128>(r) * (i + 1)) >> 64);
    std::swap(p[i], p[j]);
  }
  return p;
}

}  // namespace

struct DataSet::State {
  np::Array images, labels;
  int64_t num_examples = 0;
  int64_t epochs_completed = 0;
  int64_t index_in_epoch = 0;
  int64_t seed = -1;
  uint64_t shuffles = 0;  // Philox stream of the next seeded shuffle
  // Python's GIL makes next_batch atomic there; a lock keeps that promise
  // for C++ threads sharing one DataSet.
  mutable std::mutex mu;

  void shuffle_rows() {
    std::vector<int64_t> perm;
    if (seed >= 0) {
      perm = philox_permutation(num_examples, static_cast<uint64_t>(seed), shuffles++);
    } else {
      perm = np::random::permutation(num_examples).to_vector<int64_t>();
    }
    images = images.take(perm);
    labels = labels.take(perm);
  }
};

DataSet::DataSet() : s_(std::make_shared<State>()) {
  s_->images = np::Array::empty({0, 0}, np::float32);
  s_->labels = np::Array::empty({0}, np::uint8);
}

DataSet::DataSet(const np::Array& images, const np::Array& labels, const DataSetOptions& options)
    : s_(std::make_shared<State>()) {
  if (options.dtype != np::float32 && options.dtype != np::uint8)
    throw TypeError("Invalid image dtype " + np::dtype_name(options.dtype) +
                    ", expected uint8 or float32");
  if (images.ndim() == 0 || labels.ndim() == 0 || images.shape(0) != labels.shape(0))
    throw ValueError("images.shape: " + np::shape_str(images.shape()) +
                     " labels.shape: " + np::shape_str(labels.shape()));
  const int64_t n = images.shape(0);
  np::Array imgs = images;
  if (options.reshape) {
    // TF flattens (N, rows, cols, 1); a 4-d input with channels is an error there too.
    if (imgs.ndim() == 4 && imgs.shape(3) != 1)
      throw ValueError("reshape=True expects images of shape (N, rows, cols, 1), got " +
                       np::shape_str(imgs.shape()));
    int64_t d = 1;
    for (int i = 1; i < imgs.ndim(); ++i) d *= imgs.shape(i);
    imgs = imgs.reshape({n, d});
  }
  if (options.dtype == np::float32) {
    // [0, 255] -> [0, 1] as TF computes it: float32(x) * float32(1/255).
    np::Array src = imgs.dtype() == np::float32 ? imgs : imgs.astype(np::float32);
    np::Array out = np::Array::empty(imgs.shape(), np::float32);
    const float scale = static_cast<float>(1.0 / 255.0);
    const float* p = src.data<float>();
    float* q = out.data<float>();
    for (int64_t i = 0, m = out.size(); i < m; ++i) q[i] = p[i] * scale;
    imgs = out;
  }
  s_->images = imgs;
  s_->labels = labels;
  s_->num_examples = n;
  s_->seed = options.seed;
}

np::Array DataSet::images() const {
  std::lock_guard lock(s_->mu);
  return s_->images;
}
np::Array DataSet::labels() const {
  std::lock_guard lock(s_->mu);
  return s_->labels;
}
int64_t DataSet::num_examples() const { return s_->num_examples; }
int64_t DataSet::epochs_completed() const {
  std::lock_guard lock(s_->mu);
  return s_->epochs_completed;
}
int64_t DataSet::index_in_epoch() const {
  std::lock_guard lock(s_->mu);
  return s_->index_in_epoch;
}

std::pair<np::Array, np::Array> DataSet::next_batch(int64_t batch_size, bool shuffle) {
  State& s = *s_;
  std::lock_guard lock(s.mu);
  if (batch_size < 0) throw ValueError("batch_size must be >= 0, got " + std::to_string(batch_size));
  if (batch_size > s.num_examples)
    throw ValueError("batch_size " + std::to_string(batch_size) + " is larger than the data set (" +
                     std::to_string(s.num_examples) + " examples)");
  int64_t start = s.index_in_epoch;
  // The first epoch is shuffled too, before its first batch.
  if (s.epochs_completed == 0 && start == 0 && shuffle) s.shuffle_rows();
  if (start + batch_size > s.num_examples) {
    // Epoch boundary: the rest of this epoch, then (after a shuffle) the
    // start of the next, so no example is skipped or repeated in an epoch.
    ++s.epochs_completed;
    const int64_t rest = s.num_examples - start;
    np::Array images_rest = s.images.slice(start, s.num_examples);
    np::Array labels_rest = s.labels.slice(start, s.num_examples);
    if (shuffle) s.shuffle_rows();
    s.index_in_epoch = batch_size - rest;
    const int64_t end = s.index_in_epoch;
    return {concat_rows(images_rest, s.images.slice(0, end)),
            concat_rows(labels_rest, s.labels.slice(0, end))};
  }
  s.index_in_epoch += batch_size;
  return {s.images.slice(start, s.index_in_epoch), s.labels.slice(start, s.index_in_epoch)};
}

np::Array dense_to_one_hot(const np::Array& labels_dense, int64_t num_classes) {
  const int64_t n = labels_dense.size();
  if (num_classes < 0) throw ValueError("num_classes must be >= 0, got " + std::to_string(num_classes));
  np::Array out = np::zeros({n, num_classes}, np::float32);
  float* q = out.data<float>();
  for (int64_t i = 0; i < n; ++i) {
    const double v = labels_dense.get_flat(i);
    if (!(v >= 0 && v < static_cast<double>(num_classes)))
      throw ValueError("label " + std::to_string(static_cast<int64_t>(v)) + " at index " +
                       std::to_string(i) + " is out of range for " + std::to_string(num_classes) +
                       " classes");
    q[i * num_classes + static_cast<int64_t>(v)] = 1.0f;
  }
  return out;
}

np::Array extract_images(const std::string& path) {
  const std::string bytes = io::read_maybe_gzipped(path);
  const uint32_t magic = io::idx_magic(bytes, path);
  if (magic != kImageMagic)
    throw ValueError("Invalid magic number " + std::to_string(magic) + " in MNIST image file: " + path);
  np::Array a = io::parse_idx(bytes, path);
  return a.reshape({a.shape(0), a.shape(1), a.shape(2), 1});
}

np::Array extract_labels(const std::string& path, bool one_hot, int64_t num_classes) {
  const std::string bytes = io::read_maybe_gzipped(path);
  const uint32_t magic = io::idx_magic(bytes, path);
  if (magic != kLabelMagic)
    throw ValueError("Invalid magic number " + std::to_string(magic) + " in MNIST label file: " + path);
  np::Array labels = io::parse_idx(bytes, path);
  return one_hot ? dense_to_one_hot(labels, num_classes) : labels;
}

namespace {

// dir/name, or dir/name without ".gz" (an already unpacked copy).
std::string find_file(const std::string& dir, const std::string& gz_name) {
  std::string base = dir.empty() ? std::string(".") : dir;
  if (base.back() != '/') base += '/';
  const std::string gz = base + gz_name;
  const std::string raw = gz.substr(0, gz.size() - 3);
  if (io::is_regular_file(gz)) return gz;
  if (io::is_regular_file(raw)) return raw;
  throw errors::NotFoundError(gz + " (nor " + raw +
                              "): No such file or directory; Keras++ does not download data "
                              "sets, put the four MNIST IDX files in " + base);
}

}  // namespace

Datasets read_data_sets(const std::string& train_dir, const ReadDataSetsOptions& options) {
  // Look for all four first: a missing test file should not cost reading
  // 47 MB of training images before the error.
  const std::string train_images_path = find_file(train_dir, "train-images-idx3-ubyte.gz");
  const std::string train_labels_path = find_file(train_dir, "train-labels-idx1-ubyte.gz");
  const std::string test_images_path = find_file(train_dir, "t10k-images-idx3-ubyte.gz");
  const std::string test_labels_path = find_file(train_dir, "t10k-labels-idx1-ubyte.gz");

  np::Array train_images = extract_images(train_images_path);
  np::Array train_labels = extract_labels(train_labels_path, options.one_hot);
  np::Array test_images = extract_images(test_images_path);
  np::Array test_labels = extract_labels(test_labels_path, options.one_hot);

  const int64_t num_train = train_images.shape(0);
  if (options.validation_size < 0 || options.validation_size > num_train)
    throw ValueError("Validation size should be between 0 and " + std::to_string(num_train) +
                     ". Received: " + std::to_string(options.validation_size) + ".");
  const int64_t v = options.validation_size;

  const DataSetOptions ds{.dtype = options.dtype, .reshape = options.reshape, .seed = options.seed};
  Datasets out;
  out.validation = DataSet(train_images.slice(0, v), train_labels.slice(0, v), ds);
  out.train = DataSet(train_images.slice(v, num_train), train_labels.slice(v, num_train), ds);
  out.test = DataSet(test_images, test_labels, ds);
  return out;
}

}  // namespace tf::examples::tutorials::mnist::input_data
