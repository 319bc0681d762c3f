// tensorflow.examples.tutorials.mnist.input_data (TF 1.x): the MNIST reader of
// TF's tutorials. read_data_sets(dir, {.one_hot = true}) reads the four IDX
// files and splits them into train / validation / test DataSets, whose
// next_batch() shuffles per epoch and stitches batches across epoch ends.
//
// Differences from TF, on purpose:
// - one-hot labels are float32 (TF makes float64 arrays) so they feed float32
//   placeholders directly, as the spec's programs do;
// - nothing is downloaded: a missing file is a tf::errors::NotFoundError;
// - next_batch(batch_size) with batch_size larger than the data set is a
//   ValueError (TF silently returns a short batch and loses its place).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "keraspp/np/array.h"

namespace tf::examples::tutorials::mnist::input_data {

// DataSet's keyword arguments, in TF's order (fake_data and one_hot, which
// only matter to TF's fake-data mode, are left out).
struct DataSetOptions {
  // float32: images scaled to [0, 1]; uint8: kept as 0..255.
  np::DType dtype = np::float32;
  // Flatten (N, rows, cols, 1) images to (N, rows*cols).
  bool reshape = true;
  // -1: shuffles draw from np::random (repeatable with np::random::seed);
  // otherwise this DataSet's own Philox stream keyed by the seed.
  int64_t seed = -1;
};

// One split. A cheap handle with reference semantics, like the Python object:
// copies share images, labels and the epoch position.
class DataSet {
 public:
  DataSet();
  // images: (N, rows, cols, 1) or already (N, D); labels: N rows.
  // ValueError if the counts differ or dtype is neither float32 nor uint8.
  DataSet(const np::Array& images, const np::Array& labels, const DataSetOptions& options = {});

  // The current order: after the first shuffle these are the shuffled rows.
  np::Array images() const;
  np::Array labels() const;
  int64_t num_examples() const;
  int64_t epochs_completed() const;
  // Position inside the current epoch (TF's _index_in_epoch).
  int64_t index_in_epoch() const;

  // The next `batch_size` examples: shuffles before the first batch; at an
  // epoch's end takes the rest of this epoch, shuffles, and fills the batch
  // from the start of the next one (so each example appears once per epoch).
  std::pair<np::Array, np::Array> next_batch(int64_t batch_size, bool shuffle = true);

 private:
  struct State;
  std::shared_ptr<State> s_;
};

struct Datasets {
  DataSet train, validation, test;
};

// read_data_sets' keyword arguments, in TF's order.
struct ReadDataSetsOptions {
  // Labels as float32 one-hot rows (N, 10) instead of uint8 (N,).
  bool one_hot = false;
  np::DType dtype = np::float32;
  bool reshape = true;
  // The first validation_size training examples become the validation set.
  int64_t validation_size = 5000;
  int64_t seed = -1;
};

// Reads train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz (or the same names
// without .gz) from train_dir. NotFoundError naming a missing file;
// ValueError for a wrong magic number ("Invalid magic number 2049 in MNIST
// image file: <path>"), a truncated file, or a validation_size outside
// [0, number of training images].
Datasets read_data_sets(const std::string& train_dir, const ReadDataSetsOptions& options = {});

// The lower-level readers, as TF exposes them: (N, rows, cols, 1) uint8
// images (magic 2051) and (N,) uint8 labels (magic 2049), or one-hot float32
// (N, num_classes) labels. `path` may be gzipped or raw.
np::Array extract_images(const std::string& path);
np::Array extract_labels(const std::string& path, bool one_hot = false, int64_t num_classes = 10);
// Dense class ids (N,) to float32 one-hot (N, num_classes); ValueError for a
// label outside [0, num_classes).
np::Array dense_to_one_hot(const np::Array& labels_dense, int64_t num_classes);

}  // namespace tf::examples::tutorials::mnist::input_data
