// Helpers shared by the keras_train tests: a fresh Keras session per test,
// a fake clock and a captured output for the progress bar.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "keraspp/keras.h"
#include "keraspp/tf.h"
#include "keraspp/np/random.h"

namespace keras_train_test {

namespace K = keras::backend;

class KerasTrainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    K::clear_session();
    np::random::seed(1337);
  }
  void TearDown() override { K::clear_session(); }
};

// A clock the test advances by hand.
struct FakeClock {
  std::shared_ptr<double> now = std::make_shared<double>(1000.0);
  keras::utils::ProgbarClock fn() const {
    auto n = now;
    return [n] { return *n; };
  }
  void advance(double s) const { *now += s; }
};

// y = x W + b as a one-layer Sequential model with given weights.
inline keras::models::Sequential linear_model(int64_t in, int64_t out, const std::string& activation = "linear") {
  keras::models::Sequential model;
  model.add(keras::layers::Dense(out, {.activation = activation, .input_dim = in}));
  return model;
}

}  // namespace keras_train_test
