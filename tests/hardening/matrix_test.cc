// Rows of docs/errors.md's bad-input matrix not covered elsewhere (issue 16):
// every truncation of a model file and a checkpoint, handles that outlive
// their graph, logits of +-1e30, and a learning rate that diverges.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include "io/io_test_util.h"
#include "keras_train/train_test_util.h"
#include "support/expect_error.h"
#include <gtest/gtest.h>

#include "keraspp/keras.h"
#include "keraspp/tf.h"
#include "keraspp/train/saver.h"

namespace {

namespace fs = std::filesystem;
using kpp_test::message_of;
using kpp_test::TempDir;

std::string read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
void write_bytes(const std::string& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Whether f() threw an error of the error model (keraspp/errors.h); any other
// exception escapes and fails the test.
template <class F> bool fails_cleanly(F&& f) {
  try {
    f();
  } catch (const keraspp::ValueError&) {
    return true;
  } catch (const keraspp::IOError&) {
    return true;
  } catch (const tf::errors::OpError&) {
    return true;
  }
  return false;
}

class TruncatedFiles : public keras_train_test::KerasTrainTest {
 protected:
  TempDir dir;
};

// Every prefix of a saved model (HDF5: superblock, object headers, heaps,
// the datasets) is refused with IOError or ValueError.
TEST_F(TruncatedFiles, EveryTruncationOfAnH5ModelFails) {
  keras::models::Sequential model;
  model.add(keras::layers::Dense(3, {.activation = "relu", .input_dim = 2}));
  model.add(keras::layers::Dense(2, {.activation = "softmax"}));
  model.compile({.optimizer = "adam", .loss = "categorical_crossentropy"});
  model.save(dir / "m.h5");
  const std::string bytes = read_bytes(dir / "m.h5");
  ASSERT_GT(bytes.size(), 1000u);
  int loaded = 0;
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    write_bytes(dir / "cut.h5", std::string_view(bytes).substr(0, cut));
    if (!fails_cleanly([&] { keras::models::load_model(dir / "cut.h5"); })) {
      ADD_FAILURE() << "a model file cut to " << cut << " of " << bytes.size() << " bytes loaded";
      if (++loaded > 3) break;
    }
  }
  EXPECT_NO_THROW(keras::models::load_model(dir / "m.h5"));
}

// Either file of a checkpoint cut anywhere: DataLossError (or NotFound for
// an empty index), never a crash and never a tensor read from past the end.
TEST_F(TruncatedFiles, EveryTruncationOfACheckpointFails) {
  const np::Array w = np::Array::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const std::string prefix = dir / "ckpt";
  tf::train::write_checkpoint(prefix, {{"dense/kernel", w}, {"global_step", np::Array::scalar<int64_t>(7)}});
  for (const std::string suffix : {".index", ".data-00000-of-00001"}) {
    const std::string path = prefix + suffix;
    const std::string bytes = read_bytes(path);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      SCOPED_TRACE(suffix + " cut to " + std::to_string(cut));
      write_bytes(path, std::string_view(bytes).substr(0, cut));
      EXPECT_TRUE(fails_cleanly([&] {
        const tf::train::CheckpointReader reader(prefix);
        for (const auto& [key, shape] : reader.get_variable_to_shape_map()) reader.get_tensor(key);
      }));
    }
    write_bytes(path, bytes);
  }
  EXPECT_EQ(tf::train::CheckpointReader(prefix).get_tensor("dense/kernel").to_vector<float>(),
            w.to_vector<float>());
}

// TF 1.x tensors keep their graph alive (Python's tensor.graph reference):
// a handle that outlives its Graph object, or a graph reset under it, still
// works on its own graph and is refused by any other.
TEST(GraphLifetime, HandlesOutliveTheirGraph) {
  tf::Tensor t;
  tf::Operation add;
  {
    tf::Graph g;
    tf::Graph::DefaultGuard guard(g);
    t = tf::constant(np::Array::from_vector<float>({1, 2}, {2}), "c");
    add = tf::add(t, t, "twice").op();
  }
  EXPECT_EQ(t.name(), "c:0");
  EXPECT_EQ(t.shape().dims(), (std::vector<int64_t>{2}));
  tf::Graph other;
  tf::Graph::DefaultGuard guard(other);
  EXPECT_THROW(tf::add(t, tf::constant(1.0f)), keraspp::ValueError);
  tf::Session s(other);
  EXPECT_THROW(s.run(t), keraspp::ValueError);
  EXPECT_THROW(s.run(add), keraspp::ValueError);
}

TEST(GraphLifetime, TensorsOfAResetDefaultGraph) {
  tf::reset_default_graph();
  const tf::Tensor before = tf::constant(3.0f, tf::float32, "before");
  tf::reset_default_graph();
  EXPECT_EQ(before.name(), "before:0");
  EXPECT_THROW(tf::multiply(before, tf::constant(2.0f)), keraspp::ValueError);
  tf::Session s;
  EXPECT_THROW(s.run(before), keraspp::ValueError);
  tf::reset_default_graph();
}

bool all_finite(const np::Array& a) {
  for (int64_t i = 0; i < a.size(); ++i)
    if (!std::isfinite(a.get_flat(i))) return false;
  return true;
}

// TF subtracts the row's max before exp: logits of +-1e30 give exact
// probabilities and finite losses (and gradients).
TEST(HugeLogits, SoftmaxAndCrossEntropyStayFinite) {
  tf::Graph g;
  tf::Graph::DefaultGuard guard(g);
  const tf::Tensor logits = tf::constant(
      np::Array::from_vector<float>({1e30f, -1e30f, 0, -1e30f, 1e30f, 1e30f}, {2, 3}));
  const tf::Tensor onehot = tf::constant(np::Array::from_vector<float>({0, 1, 0, 1, 0, 0}, {2, 3}));
  const tf::Tensor ids = tf::constant(np::Array::from_vector<int32_t>({1, 0}, {2}));
  const tf::Tensor probs = tf::nn::softmax(logits);
  const tf::Tensor xent = tf::nn::softmax_cross_entropy_with_logits(onehot, logits);
  const tf::Tensor sparse = tf::nn::sparse_softmax_cross_entropy_with_logits(ids, logits);
  const tf::Tensor keras_xent = keras::losses::categorical_crossentropy(onehot, probs);
  const tf::Tensor grad = tf::gradients(tf::reduce_sum(xent), {logits})[0];
  tf::Session s(g);
  EXPECT_EQ(s.run(probs).to_vector<float>(), (std::vector<float>{1, 0, 0, 0, 0.5f, 0.5f}));
  for (const tf::Tensor& t : {xent, sparse, keras_xent, grad, tf::nn::log_softmax(logits)})
    EXPECT_TRUE(all_finite(s.run(t))) << t.name();
  // The wrong class at 1e30 below the right one costs 2e30, not inf.
  EXPECT_FLOAT_EQ(s.run(xent).to_vector<float>()[0], 2e30f);
  // Keras clips probabilities to [1e-7, 1 - 1e-7]: -log(1e-7).
  EXPECT_NEAR(s.run(keras_xent).to_vector<float>()[0], 16.118f, 1e-3);
}

class Divergence : public keras_train_test::KerasTrainTest {
 protected:
  keras::models::Sequential regression(double lr) {
    keras::models::Sequential m;
    m.add(keras::layers::Dense(1, {.input_dim = 2}));
    m.compile({.optimizer = keras::optimizers::SGD({.lr = lr}), .loss = "mse"});
    return m;
  }
  np::Array x = np::Array::from_vector<float>({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
  np::Array y = np::Array::from_vector<float>({1, 2, 3, 4}, {4, 1});
};

// SGD at lr 1e3 overshoots further each step until the loss is inf, then
// nan. Keras reports the nan losses and trains every epoch; with
// TerminateOnNaN it stops at the first non-finite batch loss.
TEST_F(Divergence, ALearningRateThatDivergesReportsNanOrTerminates) {
  auto m = regression(1e3);
  const auto h = m.fit(x, y, {.batch_size = 1, .epochs = 6, .verbose = 0, .shuffle = false});
  ASSERT_EQ(h.history.at("loss").size(), 6u);
  EXPECT_TRUE(std::isnan(h.history.at("loss").back()));
  EXPECT_FALSE(m.stop_training());

  auto stopped = regression(1e3);
  std::ostringstream out;
  keras::utils::ScopedProgbarOutput guard({&out, false, nullptr});
  const auto h2 = stopped.fit(x, y, {.batch_size = 1, .epochs = 6, .verbose = 0,
                                     .callbacks = {std::make_shared<keras::callbacks::TerminateOnNaN>()},
                                     .shuffle = false});
  EXPECT_NE(out.str().find(": Invalid loss, terminating training\n"), std::string::npos) << out.str();
  EXPECT_TRUE(stopped.stop_training());
  EXPECT_LT(h2.history.at("loss").size(), 6u);
}

}  // namespace
