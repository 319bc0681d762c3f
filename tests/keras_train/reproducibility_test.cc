// Same seed, same thread count: two fits give bit-identical losses (docs/design.md
// §3 "Reproducibility"), including dropout and shuffling.
#include <gtest/gtest.h>

#include <cstring>

#include "keraspp/keras.h"
#include "keraspp/np.h"

namespace {

std::vector<double> train_once() {
  keras::backend::clear_session();
  np::random::seed(1234);
  np::Array x = np::random::uniform(-1, 1, {256, 8}).astype(np::float32);
  np::Array y = keras::utils::to_categorical(np::argmax(x.slice(0, 256), 1) / 3, 3);  // 8 columns -> 3 classes
  keras::models::Sequential model;
  model.add(keras::layers::Dense(16, {.activation = "relu", .input_dim = 8}));
  model.add(keras::layers::Dropout(0.3));
  model.add(keras::layers::Dense(3, {.activation = "softmax"}));
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy", .metrics = {"accuracy"}});
  auto h = model.fit(x, y, {.batch_size = 32, .epochs = 3, .verbose = 0});
  return h.history.at("loss");
}

TEST(Reproducibility, SameSeedGivesBitIdenticalLosses) {
  const auto a = train_once(), b = train_once();
  ASSERT_EQ(a.size(), 3u);
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_EQ(std::memcmp(&a[i], &b[i], sizeof(double)), 0) << "epoch " << i << ": " << a[i] << " vs " << b[i];
  EXPECT_NE(a[0], a[2]);  // it did train
}

}  // namespace
