// Rows of docs/errors.md's bad-input matrix that no other test covered when
// the matrix was counted (issue 16): an empty file handed to every reader of
// outside bytes, and sparse labels outside [0, classes) in Keras's fit and
// in the graph op.
#include <iterator>
#include <string>
#include <string_view>
#include <utility>

#include "fuzz/fuzz_targets.h"
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include "keraspp/keras.h"
#include "keraspp/tf.h"

namespace {

using kpp_test::message_of;
using keraspp::fuzz::Outcome;

bool contains(const std::string& s, std::string_view part) { return s.find(part) != std::string::npos; }

// Each reader rejects an empty file with an error of the error model that
// names the file (model_from_json reads a string, not a file: its error
// says the JSON is empty). `names`: what the message must contain.
TEST(EmptyFiles, EveryReaderRejectsAnEmptyFileNamingIt) {
  const std::pair<std::string_view, std::string_view> names[] = {
      {"npy", "a.npy"},
      {"npz", "a.npz"},
      {"idx", "a.idx"},
      {"idx_gzip", "a.idx"},
      {"mnist_npz", "mnist.npz"},
      {"fashion_mnist", "train-images-idx3-ubyte.gz"},
      {"mnist_input_data", "train-images-idx3-ubyte.gz"},
      {"hdf5_model", "model.h5"},
      {"model_json", "JSON"},
      {"checkpoint", "ckpt"},
      {"keras_zip", "model.keras"},
  };
  EXPECT_EQ(std::size(names), keraspp::fuzz::fuzz_targets().size()) << "a reader without a row here";
  for (const auto& [harness, name] : names) {
    const auto* target = keraspp::fuzz::find_fuzz_target(harness);
    ASSERT_NE(target, nullptr) << harness;
    const auto result = keraspp::fuzz::run_fuzz_input(*target, "");
    EXPECT_EQ(result.outcome, Outcome::kRejected) << harness << ": " << result.what;
    EXPECT_TRUE(contains(result.what, name)) << harness << ": " << result.what;
  }
  keras::backend::clear_session();
}

// A label of 3 (or -1) for 3 classes: TF's InvalidArgumentError from the
// sparse cross-entropy kernel, naming the value and the valid range, never
// a read past the row.
TEST(SparseLabels, OutOfRangeLabelsAreTfsErrorInFitAndInTheOp) {
  keras::backend::clear_session();
  keras::models::Sequential m;
  m.add(keras::layers::Dense(3, {.activation = "softmax", .input_dim = 2}));
  m.compile({.optimizer = "sgd", .loss = "sparse_categorical_crossentropy"});
  const np::Array x = np::ones({4, 2});
  for (float bad : {3.f, -1.f}) {
    const np::Array y = np::Array::from_vector<float>({0, 1, bad, 2}, {4, 1});
    const std::string msg = message_of<tf::errors::InvalidArgumentError>(
        [&] { m.fit(x, y, {.batch_size = 4, .epochs = 1, .verbose = 0}); });
    EXPECT_TRUE(contains(msg, "Received a label value of " + std::to_string(static_cast<int>(bad)) +
                                  " which is outside the valid range of [0, 3)"))
        << msg;
  }
  // In range, the same model trains.
  EXPECT_NO_THROW(m.fit(x, np::Array::from_vector<float>({0, 1, 2, 2}, {4, 1}),
                        {.batch_size = 4, .epochs = 1, .verbose = 0}));
  keras::backend::clear_session();

  tf::Graph g;
  tf::Graph::DefaultGuard guard(g);
  auto logits = tf::placeholder(tf::float32, {-1, 3});
  auto labels = tf::placeholder(tf::int32, {-1});
  auto loss = tf::nn::sparse_softmax_cross_entropy_with_logits(labels, logits);
  tf::Session s(g);
  const std::string msg = message_of<tf::errors::InvalidArgumentError>([&] {
    s.run(loss, {{logits, np::zeros({2, 3})}, {labels, np::Array::from_vector<int32_t>({1, 7}, {2})}});
  });
  EXPECT_TRUE(contains(msg, "Received a label value of 7 which is outside the valid range of [0, 3)"))
      << msg;
}

}  // namespace
