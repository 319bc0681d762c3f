// Helpers of the model-file tests: a fresh Keras session per test, a
// scratch directory, and the Keras-made fixture files' location.
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "keraspp/keras.h"
#include "keraspp/keras/serialization.h"
#include "keraspp/np.h"
#include "keraspp/tf.h"
#include "support/expect_error.h"

namespace keras_saving_test {

namespace K = keras::backend;
namespace L = keras::layers;
namespace fs = std::filesystem;
using keras::Config;
using keras::models::Model;
using keras::models::Sequential;
using kpp_test::message_of;

class SavingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(1337);
    dir = fs::temp_directory_path() /
          ("keraspp_saving_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override {
    K::clear_session();
    fs::remove_all(dir);
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  fs::path dir;
};

// KERASPP_KERAS_FIXTURES, else ../shared/fixtures/keras beside the repository;
// empty when absent.
inline std::string fixtures_dir() {
  if (const char* env = std::getenv("KERASPP_KERAS_FIXTURES"); env && fs::is_directory(env)) return env;
  // Normalised before use: tests/data itself need not exist for the OS to
  // resolve the "..".
  const fs::path beside =
      (fs::path(KERASPP_TEST_DATA_DIR) / ".." / ".." / ".." / "shared" / "fixtures" / "keras")
          .lexically_normal();
  return fs::is_directory(beside) ? beside.string() : "";
}

#define SKIP_WITHOUT_FIXTURES(dir)                                                              \
  if ((dir).empty())                                                                            \
  GTEST_SKIP() << "skipped: fixtures absent (set KERASPP_KERAS_FIXTURES or place "              \
                  "../shared/fixtures/keras beside the repository)"

// The same prediction from two models, bit for bit.
inline void expect_same_predictions(Model& a, Model& b, const np::Array& x) {
  const np::Array pa = a.predict(x, {.batch_size = 8});
  const np::Array pb = b.predict(x, {.batch_size = 8});
  EXPECT_TRUE(np::array_equal(pa, pb)) << pa << "\nvs\n" << pb;
}

}  // namespace keras_saving_test
