// keras::datasets: mnist.npz from the Keras cache, Fashion-MNIST from IDX files.
#include "support/expect_error.h"
#include "keraspp/keras/datasets.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "io_test_util.h"
#include "keraspp/errors.h"
#include "keraspp/np/npy.h"

namespace {

using kpp_test::EnvGuard;
using kpp_test::TempDir;
using ::testing::HasSubstr;

// Any std::exception's message (these tests check texts, not classes).
template <class F> std::string error_of(F&& f) { return kpp_test::message_of<std::exception>(f); }

std::map<std::string, np::Array> tiny_mnist() {
  return {{"x_train", kpp_test::synth_images(3, 28, 28)},
          {"y_train", kpp_test::synth_labels(3)},
          {"x_test", kpp_test::synth_images(2, 28, 28, 1000)},
          {"y_test", kpp_test::synth_labels(2, 1000)}};
}

TEST(KerasMnist, LoadsNpzFromKerasHome) {
  TempDir home;
  std::filesystem::create_directories(home / "datasets");
  np::savez(home / "datasets/mnist.npz", tiny_mnist());
  EnvGuard kh("KERAS_HOME", home.path());
  auto [train, test] = keras::datasets::mnist::load_data();
  EXPECT_EQ(train.x.dtype(), np::uint8);
  EXPECT_EQ(train.x.shape(), (np::Shape{3, 28, 28}));
  EXPECT_EQ(train.y.shape(), (np::Shape{3}));
  EXPECT_EQ(test.x.shape(), (np::Shape{2, 28, 28}));
  EXPECT_EQ(train.x.at<uint8_t>(2, 1, 5), kpp_test::pixel(2, 28 + 5));
  EXPECT_EQ(test.y.at<uint8_t>(1), 1);
  auto [x_train, y_train] = train;  // Python's (x_train, y_train)
  EXPECT_EQ(y_train.at<uint8_t>(2), 2);
}

TEST(KerasMnist, PathAsGivenAndHomeCache) {
  TempDir dir, home;
  np::savez(dir / "m.npz", tiny_mnist());
  EXPECT_EQ(keras::datasets::mnist::load_data(dir / "m.npz").test.x.shape(0), 2);
  // Without KERAS_HOME the cache is ~/.keras/datasets.
  std::filesystem::create_directories(home / ".keras/datasets");
  np::savez(home / ".keras/datasets/other.npz", tiny_mnist());
  EnvGuard kh("KERAS_HOME", std::nullopt);
  EnvGuard h("HOME", home.path());
  EXPECT_EQ(keras::datasets::mnist::load_data("other.npz").train.x.shape(0), 3);
}

TEST(KerasMnist, MissingListsEveryFolderSearched) {
  TempDir kh_dir, home;
  EnvGuard kh("KERAS_HOME", kh_dir.path());
  EnvGuard h("HOME", home.path());
  const std::string msg = error_of([] { keras::datasets::mnist::load_data(); });
  EXPECT_THAT(msg, HasSubstr("No such file or directory: 'mnist.npz'"));
  EXPECT_THAT(msg, HasSubstr(kh_dir / "datasets/mnist.npz"));
  EXPECT_THAT(msg, HasSubstr(home / ".keras/datasets/mnist.npz"));
  EXPECT_THROW(keras::datasets::mnist::load_data(), keraspp::IOError);
}

TEST(KerasMnist, MissingArrayIsValueError) {
  TempDir dir;
  auto arrays = tiny_mnist();
  arrays.erase("y_test");
  np::savez(dir / "m.npz", arrays);
  EXPECT_THAT(error_of([&] { keras::datasets::mnist::load_data(dir / "m.npz"); }),
              HasSubstr("has no array 'y_test'"));
}

TEST(KerasFashionMnist, KerasHomeComesFirst) {
  TempDir kh_dir;
  const std::string d = kh_dir / "datasets/fashion-mnist";
  std::filesystem::create_directories(d);
  keraspp::io::write_idx(d + "/train-images-idx3-ubyte.gz", kpp_test::synth_images(7, 28, 28), true);
  keraspp::io::write_idx(d + "/train-labels-idx1-ubyte.gz", kpp_test::synth_labels(7), true);
  keraspp::io::write_idx(d + "/t10k-images-idx3-ubyte.gz", kpp_test::synth_images(4, 28, 28), true);
  keraspp::io::write_idx(d + "/t10k-labels-idx1-ubyte.gz", kpp_test::synth_labels(4), true);
  EnvGuard kh("KERAS_HOME", kh_dir.path());
  auto [train, test] = keras::datasets::fashion_mnist::load_data();
  EXPECT_EQ(train.x.shape(), (np::Shape{7, 28, 28}));
  EXPECT_EQ(test.y.shape(), (np::Shape{4}));

  // Mismatched counts are caught rather than returned.
  keraspp::io::write_idx(d + "/t10k-labels-idx1-ubyte.gz", kpp_test::synth_labels(5), true);
  EXPECT_THROW(keras::datasets::fashion_mnist::load_data(), keraspp::ValueError);
}

TEST(KerasFashionMnist, DebianFilesShapesAndHistogram) {
  if (!std::filesystem::is_directory("/usr/share/datasets/fashion-mnist"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  TempDir empty_home;  // so a user's own cache cannot shadow Debian's copy
  EnvGuard kh("KERAS_HOME", empty_home.path());
  EnvGuard h("HOME", empty_home.path());
  auto [train, test] = keras::datasets::fashion_mnist::load_data();
  EXPECT_EQ(train.x.shape(), (np::Shape{60000, 28, 28}));
  EXPECT_EQ(train.y.shape(), (np::Shape{60000}));
  EXPECT_EQ(test.x.shape(), (np::Shape{10000, 28, 28}));
  EXPECT_EQ(test.y.shape(), (np::Shape{10000}));
  EXPECT_EQ(train.x.dtype(), np::uint8);
  EXPECT_EQ(train.y.dtype(), np::uint8);
  // Fashion-MNIST is balanced: 6000 train and 1000 test images per class.
  int64_t hist_train[10] = {}, hist_test[10] = {};
  for (int64_t i = 0; i < 60000; ++i) {
    const uint8_t c = train.y.data<uint8_t>()[i];
    ASSERT_LT(c, 10);
    ++hist_train[c];
  }
  for (int64_t i = 0; i < 10000; ++i) ++hist_test[test.y.data<uint8_t>()[i] % 10];
  int64_t sum_train = 0, sum_test = 0;
  for (int c = 0; c < 10; ++c) {
    EXPECT_EQ(hist_train[c], 6000) << "class " << c;
    EXPECT_EQ(hist_test[c], 1000) << "class " << c;
    sum_train += hist_train[c];
    sum_test += hist_test[c];
  }
  EXPECT_EQ(sum_train, 60000);
  EXPECT_EQ(sum_test, 10000);
  // Real images, not blank: some ink in the first one.
  int64_t ink = 0;
  for (int64_t k = 0; k < 784; ++k) ink += train.x.data<uint8_t>()[k];
  EXPECT_GT(ink, 0);
}

}  // namespace
