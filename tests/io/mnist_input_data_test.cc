// tf.examples.tutorials.mnist.input_data on a small synthetic MNIST.
#include "support/expect_error.h"
#include "keraspp/io/mnist_input_data.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "io_test_util.h"
#include "keraspp/errors.h"
#include "keraspp/np/random.h"

namespace {

namespace input_data = tf::examples::tutorials::mnist::input_data;
using input_data::DataSet;
using kpp_test::TempDir;
using ::testing::HasSubstr;

// Any std::exception's message (these tests check texts, not classes).
template <class F> std::string error_of(F&& f) { return kpp_test::message_of<std::exception>(f); }

// A DataSet whose label i is the example's id i (and image i is i, i, i, i),
// so batches show which examples they hold.
DataSet numbered(int64_t n, int64_t seed) {
  np::Array images = np::Array::empty({n, 2, 2, 1}, np::uint8);
  np::Array labels = np::Array::empty({n}, np::int64);
  for (int64_t i = 0; i < n; ++i) {
    for (int k = 0; k < 4; ++k) images.data<uint8_t>()[i * 4 + k] = static_cast<uint8_t>(i);
    labels.data<int64_t>()[i] = i;
  }
  return DataSet(images, labels, {.dtype = np::uint8, .seed = seed});
}

std::vector<int64_t> ids(const np::Array& labels) { return labels.to_vector<int64_t>(); }
bool is_permutation_of_n(std::vector<int64_t> v, int64_t n) {
  std::sort(v.begin(), v.end());
  std::vector<int64_t> want(static_cast<size_t>(n));
  std::iota(want.begin(), want.end(), int64_t{0});
  return v == want;
}

TEST(ReadDataSets, SplitSizesShapesAndValues) {
  TempDir dir;
  kpp_test::write_mnist(dir.path(), 20, 6);
  auto mnist = input_data::read_data_sets(dir.path(), {.validation_size = 5});
  EXPECT_EQ(mnist.train.num_examples(), 15);
  EXPECT_EQ(mnist.validation.num_examples(), 5);
  EXPECT_EQ(mnist.test.num_examples(), 6);
  EXPECT_EQ(mnist.train.images().shape(), (np::Shape{15, 4}));
  EXPECT_EQ(mnist.train.images().dtype(), np::float32);
  EXPECT_EQ(mnist.train.labels().shape(), (np::Shape{15}));
  EXPECT_EQ(mnist.train.labels().dtype(), np::uint8);
  EXPECT_EQ(mnist.train.epochs_completed(), 0);

  // Validation is the first 5 training examples, train the other 15, in
  // file order (nothing is shuffled before the first next_batch).
  const float scale = static_cast<float>(1.0 / 255.0);
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t k = 0; k < 4; ++k)
      EXPECT_EQ(mnist.validation.images().at<float>(i, k), kpp_test::pixel(i, k) * scale);
    EXPECT_EQ(mnist.validation.labels().at<uint8_t>(i), i % 10);
  }
  for (int64_t i = 0; i < 15; ++i) {
    EXPECT_EQ(mnist.train.images().at<float>(i, 3), kpp_test::pixel(i + 5, 3) * scale);
    EXPECT_EQ(mnist.train.labels().at<uint8_t>(i), (i + 5) % 10);
  }
  EXPECT_EQ(mnist.test.images().at<float>(0, 1), kpp_test::pixel(1000, 1) * scale);
  np::Array all = mnist.train.images();
  for (int64_t i = 0; i < all.size(); ++i) {
    EXPECT_GE(all.data<float>()[i], 0.0f);
    EXPECT_LE(all.data<float>()[i], 1.0f);
  }
}

TEST(ReadDataSets, DefaultValidationSizeOnSmallSetIsValueError) {
  TempDir dir;
  kpp_test::write_mnist(dir.path(), 20, 6);
  EXPECT_EQ(error_of([&] { input_data::read_data_sets(dir.path()); }),
            "Validation size should be between 0 and 20. Received: 5000.");
  EXPECT_THROW(input_data::read_data_sets(dir.path(), {.validation_size = -1}), keraspp::ValueError);
  auto all_val = input_data::read_data_sets(dir.path(), {.validation_size = 20});
  EXPECT_EQ(all_val.train.num_examples(), 0);
  EXPECT_EQ(all_val.validation.num_examples(), 20);
}

TEST(ReadDataSets, OneHotUint8AndNoReshape) {
  TempDir dir;
  kpp_test::write_mnist(dir.path(), 12, 3, /*gz=*/false);  // the unpacked names work too
  auto mnist = input_data::read_data_sets(dir.path(), {.one_hot = true, .validation_size = 2});
  np::Array y = mnist.train.labels();
  EXPECT_EQ(y.dtype(), np::float32);
  EXPECT_EQ(y.shape(), (np::Shape{10, 10}));
  for (int64_t i = 0; i < 10; ++i)
    for (int64_t c = 0; c < 10; ++c) EXPECT_EQ(y.at<float>(i, c), c == (i + 2) % 10 ? 1.f : 0.f);

  auto raw = input_data::read_data_sets(dir.path(), {.dtype = np::uint8, .reshape = false, .validation_size = 2});
  EXPECT_EQ(raw.train.images().dtype(), np::uint8);
  EXPECT_EQ(raw.train.images().shape(), (np::Shape{10, 2, 2, 1}));
  EXPECT_EQ(raw.train.images().at<uint8_t>(0, 1, 1, 0), kpp_test::pixel(2, 3));
}

TEST(ReadDataSets, ErrorsNameTheFile) {
  TempDir dir;
  const std::string missing = dir / "nowhere";
  EXPECT_THAT(error_of([&] { input_data::read_data_sets(missing); }),
              HasSubstr(missing + "/train-images-idx3-ubyte.gz"));
  EXPECT_THROW(input_data::read_data_sets(missing), tf::errors::NotFoundError);

  kpp_test::write_mnist(dir.path(), 10, 3);
  std::filesystem::remove(dir / "t10k-labels-idx1-ubyte.gz");
  EXPECT_THAT(error_of([&] { input_data::read_data_sets(dir.path()); }),
              HasSubstr("t10k-labels-idx1-ubyte.gz"));

  // Labels where images belong, and images where labels belong: TF's wording.
  kpp_test::write_mnist(dir.path(), 10, 3);
  std::filesystem::copy_file(dir / "train-labels-idx1-ubyte.gz", dir / "train-images-idx3-ubyte.gz",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(error_of([&] { input_data::read_data_sets(dir.path(), {.validation_size = 2}); }),
            "Invalid magic number 2049 in MNIST image file: " + (dir / "train-images-idx3-ubyte.gz"));
  kpp_test::write_mnist(dir.path(), 10, 3);
  std::filesystem::copy_file(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz",
                             std::filesystem::copy_options::overwrite_existing);
  EXPECT_EQ(error_of([&] { input_data::read_data_sets(dir.path(), {.validation_size = 2}); }),
            "Invalid magic number 2051 in MNIST label file: " + (dir / "t10k-labels-idx1-ubyte.gz"));
}

TEST(ReadDataSets, RealFashionMnistFilesDefaultSplit) {
  // Fashion-MNIST uses MNIST's file names and format: a full-size run.
  const std::string dir = "/usr/share/datasets/fashion-mnist";
  if (!std::filesystem::is_directory(dir)) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto mnist = input_data::read_data_sets(dir, {.one_hot = true});
  EXPECT_EQ(mnist.train.num_examples(), 55000);
  EXPECT_EQ(mnist.validation.num_examples(), 5000);
  EXPECT_EQ(mnist.test.num_examples(), 10000);
  EXPECT_EQ(mnist.train.images().shape(), (np::Shape{55000, 784}));
  EXPECT_EQ(mnist.test.labels().shape(), (np::Shape{10000, 10}));
  auto [bx, by] = mnist.train.next_batch(100);
  EXPECT_EQ(bx.shape(), (np::Shape{100, 784}));
  EXPECT_EQ(by.shape(), (np::Shape{100, 10}));
  float lo = 1, hi = 0, ones = 0;
  for (int64_t i = 0; i < bx.size(); ++i) {
    lo = std::min(lo, bx.data<float>()[i]);
    hi = std::max(hi, bx.data<float>()[i]);
  }
  for (int64_t i = 0; i < by.size(); ++i) ones += by.data<float>()[i];
  EXPECT_EQ(lo, 0.f);
  EXPECT_LE(hi, 1.f);
  EXPECT_GT(hi, 0.5f);
  EXPECT_EQ(ones, 100.f);  // one 1 per row
}

TEST(DataSet, MismatchedCountsAndBadDtype) {
  np::Array images = np::zeros({4, 2, 2, 1}, np::uint8);
  EXPECT_EQ(error_of([&] { DataSet(images, np::zeros({3}, np::uint8)); }),
            "images.shape: (4, 2, 2, 1) labels.shape: (3,)");
  EXPECT_THROW(DataSet(images, np::zeros({4}, np::uint8), {.dtype = np::int32}), keraspp::TypeError);
}

TEST(DataSet, NoShuffleStitchesInOrder) {
  DataSet ds = numbered(10, 1);
  EXPECT_EQ(ids(ds.next_batch(4, false).second), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(ids(ds.next_batch(4, false).second), (std::vector<int64_t>{4, 5, 6, 7}));
  EXPECT_EQ(ds.epochs_completed(), 0);
  auto [x, y] = ds.next_batch(4, false);
  EXPECT_EQ(ids(y), (std::vector<int64_t>{8, 9, 0, 1}));
  EXPECT_EQ(x.shape(), (np::Shape{4, 4}));
  EXPECT_EQ(x.at<uint8_t>(1, 0), 9);
  EXPECT_EQ(x.at<uint8_t>(2, 3), 0);
  EXPECT_EQ(ds.epochs_completed(), 1);
  EXPECT_EQ(ds.index_in_epoch(), 2);
}

TEST(DataSet, SeededShuffleExactOrderAndStitching) {
  DataSet ds = numbered(10, 42);
  auto b1 = ids(ds.next_batch(4).second);
  // The first call shuffled the whole set; images() shows the new order.
  const std::vector<int64_t> perm0 = ids(ds.labels());
  ASSERT_TRUE(is_permutation_of_n(perm0, 10));
  // Golden order for seed 42 (Philox4x32-10 keyed by the seed, stream 0):
  // pins that a seeded run repeats across builds and platforms.
  EXPECT_EQ(perm0, (std::vector<int64_t>{5, 8, 1, 2, 9, 4, 3, 7, 0, 6}));
  EXPECT_EQ(b1, std::vector<int64_t>(perm0.begin(), perm0.begin() + 4));
  EXPECT_EQ(ds.images().at<uint8_t>(0, 0), perm0[0]);  // images moved with labels
  EXPECT_EQ(ids(ds.next_batch(4).second), std::vector<int64_t>(perm0.begin() + 4, perm0.begin() + 8));

  auto [x3, y3] = ds.next_batch(4);
  const std::vector<int64_t> perm1 = ids(ds.labels());
  ASSERT_TRUE(is_permutation_of_n(perm1, 10));
  EXPECT_NE(perm1, perm0);  // a fresh shuffle for the second epoch
  EXPECT_EQ(ids(y3), (std::vector<int64_t>{perm0[8], perm0[9], perm1[0], perm1[1]}));
  for (int r = 0; r < 4; ++r) EXPECT_EQ(x3.at<uint8_t>(r, 2), ids(y3)[r]);
  EXPECT_EQ(ds.epochs_completed(), 1);
  EXPECT_EQ(ds.index_in_epoch(), 2);

  // Same seed, same sequence; another seed, another one.
  DataSet again = numbered(10, 42), other = numbered(10, 7);
  again.next_batch(4);
  other.next_batch(4);
  EXPECT_EQ(ids(again.labels()), perm0);
  EXPECT_NE(ids(other.labels()), perm0);
}

TEST(DataSet, EveryExampleOncePerEpoch) {
  DataSet ds = numbered(10, 3);
  std::vector<int64_t> seen;
  // 3 does not divide 10: most epoch ends fall inside a batch.
  for (int step = 0; step < 20; ++step) {
    auto y = ids(ds.next_batch(3).second);
    ASSERT_EQ(y.size(), 3u);
    seen.insert(seen.end(), y.begin(), y.end());
  }
  EXPECT_EQ(ds.epochs_completed(), 5);  // 60 examples drawn: the 6th epoch has just started
  for (int e = 0; e < 6; ++e)
    EXPECT_TRUE(is_permutation_of_n({seen.begin() + e * 10, seen.begin() + e * 10 + 10}, 10)) << "epoch " << e;
}

TEST(DataSet, ExactEpochEndCountsOnTheNextCall) {
  DataSet ds = numbered(6, 5);
  ds.next_batch(3);
  ds.next_batch(3);
  EXPECT_EQ(ds.epochs_completed(), 0);  // TF counts the epoch when the next batch starts
  EXPECT_EQ(ds.index_in_epoch(), 6);
  auto y = ids(ds.next_batch(3).second);
  EXPECT_EQ(ds.epochs_completed(), 1);
  const std::vector<int64_t> perm1 = ids(ds.labels());
  EXPECT_EQ(y, std::vector<int64_t>(perm1.begin(), perm1.begin() + 3));
}

TEST(DataSet, CopiesShareTheEpochPosition) {
  DataSet a = numbered(10, 9);
  DataSet b = a;  // like Python: the same object
  a.next_batch(4);
  EXPECT_EQ(b.index_in_epoch(), 4);
}

TEST(DataSet, BadBatchSizes) {
  DataSet ds = numbered(5, 1);
  EXPECT_THROW(ds.next_batch(6), keraspp::ValueError);
  EXPECT_THROW(ds.next_batch(-1), keraspp::ValueError);
  EXPECT_EQ(ds.next_batch(0).first.shape(0), 0);
}

TEST(DataSet, UnseededShuffleFollowsNpRandomSeed) {
  np::random::seed(1337);
  DataSet a = numbered(50, -1);
  a.next_batch(10);
  np::random::seed(1337);
  DataSet b = numbered(50, -1);
  b.next_batch(10);
  EXPECT_TRUE(is_permutation_of_n(ids(a.labels()), 50));
  EXPECT_EQ(ids(a.labels()), ids(b.labels()));
}

TEST(DenseToOneHot, RangeChecked) {
  np::Array y = input_data::dense_to_one_hot(np::Array::from_vector<uint8_t>({2, 0}, {2}), 3);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{0, 0, 1, 1, 0, 0}));
  EXPECT_THROW(input_data::dense_to_one_hot(np::Array::from_vector<uint8_t>({3}, {1}), 3),
               keraspp::ValueError);
}

}  // namespace
