// keras.callbacks.ModelCheckpoint: Python's str.format of the filepath
// template, saving every `period`-th epoch during fit, save_best_only,
// save_weights_only, Keras 2.0.x's messages, and a failed save.
#include <gmock/gmock.h>

#include <cmath>
#include <sstream>

#include "keras/saving/hdf5.h"
#include "keraspp/keras/callbacks.h"
#include "keraspp/keras/progbar.h"
#include "saving_test_util.h"

namespace keras_saving_test {
namespace {

namespace cb = keras::callbacks;
namespace h5 = keras::saving::h5;
using keras::Logs;
using ModelCheckpointTest = SavingTest;

// The exception of type E that `stmt` throws has `sub` in its message.
#define EXPECT_THROW_MSG(stmt, E, sub) \
  EXPECT_THAT(message_of<E>([&] { (void)(stmt); }), ::testing::HasSubstr(sub))

Sequential small_mlp() {
  Sequential model;
  model.add(L::Dense(5, {.activation = "tanh", .input_dim = 3}));
  model.add(L::Dense(1));
  model.compile({.optimizer = "adam", .loss = "mse"});
  return model;
}

std::string fmt(const std::string& t, int epoch = 3, const Logs& logs = {{"loss", 0.456}, {"acc", 0.8125}}) {
  return cb::format_filepath(t, epoch, logs);
}

TEST(FormatFilepath, FollowsPythonsFormatSpec) {
  // Keras's documented template.
  EXPECT_EQ(cb::format_filepath("weights.{epoch:02d}-{val_loss:.2f}.h5", 3, {{"val_loss", 0.456}}),
            "weights.03-0.46.h5");
  EXPECT_EQ(fmt("{epoch}-{loss}"), "3-0.456");                  // str()
  EXPECT_EQ(fmt("{loss:.3e}|{loss:E}"), "4.560e-01|4.560000E-01");
  EXPECT_EQ(fmt("[{loss:8.3f}][{loss:<8.2f}][{loss:^9.1f}][{loss:*>7.2f}]"),
            "[   0.456][0.46    ][   0.5   ][***0.46]");
  EXPECT_EQ(fmt("{epoch:>4}|{epoch:<3}|{epoch:+05d}|{epoch:x}|{epoch:#b}|{epoch:#06x}"),
            "   3|3  |+0003|3|0b11|0x0003");
  EXPECT_EQ(fmt("{epoch:.2f}|{epoch:e}"), "3.00|3.000000e+00");  // an int under a float code
  EXPECT_EQ(fmt("{loss:.2}|{acc:.1%}|{loss:g}"), "0.46|81.2%|0.456");
  EXPECT_EQ(cb::format_filepath("{loss:.3}|{loss:+.1f}|{loss: .1f}", 0, {{"loss", 5.0}}), "5.0|+5.0| 5.0");
  EXPECT_EQ(cb::format_filepath("{loss:.1f}|{loss:08.2f}", 0, {{"loss", -2.25}}), "-2.2|-0002.25");
  EXPECT_EQ(fmt("{{literal}}-{{{epoch}}}"), "{literal}-{3}");
  EXPECT_EQ(fmt("no fields"), "no fields");
}

TEST(FormatFilepath, BadTemplatesAreErrorsInPythonsWording) {
  EXPECT_THROW_MSG(fmt("{loss:d}"), keraspp::ValueError, "Unknown format code 'd' for object of type 'float'");
  EXPECT_THROW_MSG(fmt("{epoch:s}"), keraspp::ValueError, "Unknown format code 's' for object of type 'int'");
  EXPECT_THROW_MSG(fmt("{epoch:.2d}"), keraspp::ValueError, "Precision not allowed in integer format specifier");
  EXPECT_THROW_MSG(fmt("{val_loss:.2f}"), keraspp::LookupError, "'val_loss'");
  EXPECT_THROW_MSG(fmt("w.{}.h5"), keraspp::LookupError, "Replacement index 0 out of range");
  EXPECT_THROW_MSG(fmt("w.{epoch"), keraspp::ValueError, "expected '}' before end of string");
  EXPECT_THROW_MSG(fmt("w.{"), keraspp::ValueError, "Single '{' encountered in format string");
  EXPECT_THROW_MSG(fmt("w.}"), keraspp::ValueError, "Single '}' encountered in format string");
  EXPECT_THROW_MSG(fmt("{loss:.}"), keraspp::ValueError, "Format specifier missing precision");
  EXPECT_THROW_MSG(fmt("{loss:.2fx}"), keraspp::ValueError, "Invalid format specifier '.2fx'");
  EXPECT_THROW_MSG(fmt("{epoch!r}"), keraspp::ValueError, "not supported");
  // A width no file name needs is refused before anything is allocated.
  EXPECT_THROW_MSG(fmt("{epoch:999999999999}"), keraspp::ValueError, "Format width or precision over 4096");
}

TEST_F(ModelCheckpointTest, SavesEveryPeriodThEpochDuringFitAndTheFileLoads) {
  Sequential model = small_mlp();
  const np::Array x = np::random::uniform(-1, 1, {16, 3}), y = np::random::uniform(-1, 1, {16, 1});
  auto ckpt = std::make_shared<cb::ModelCheckpoint>(path("m.{epoch:02d}.h5"),
                                                    cb::ModelCheckpointOptions{.period = 2});
  model.fit(x, y, {.batch_size = 8, .epochs = 4, .verbose = 0, .callbacks = {ckpt}, .shuffle = false});
  EXPECT_FALSE(fs::exists(path("m.00.h5")));
  EXPECT_TRUE(fs::exists(path("m.01.h5")));
  EXPECT_FALSE(fs::exists(path("m.02.h5")));
  ASSERT_TRUE(fs::exists(path("m.03.h5")));
  // The last save holds the trained model, optimizer state included.
  Model loaded = keras::models::load_model(path("m.03.h5"));
  expect_same_predictions(model, loaded, x);
  EXPECT_EQ(loaded.train_on_batch(x, y), model.train_on_batch(x, y));
  // No temporary file is left beside the checkpoints.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 2);
}

TEST_F(ModelCheckpointTest, FileNamesCarryTheEpochsValidationLoss) {
  Sequential model = small_mlp();
  const np::Array x = np::random::uniform(-1, 1, {16, 3}), y = np::random::uniform(-1, 1, {16, 1});
  auto ckpt = std::make_shared<cb::ModelCheckpoint>(path("weights.{epoch:02d}-{val_loss:.2f}.h5"),
                                                    cb::ModelCheckpointOptions{.save_weights_only = true});
  const auto history = model.fit(x, y, {.batch_size = 8, .epochs = 3, .verbose = 0, .callbacks = {ckpt},
                                        .validation_split = 0.25, .shuffle = false});
  for (int epoch = 0; epoch < 3; ++epoch) {
    char name[64];
    std::snprintf(name, sizeof name, "weights.%02d-%.2f.h5", epoch, history.history.at("val_loss")[epoch]);
    EXPECT_TRUE(fs::exists(path(name))) << name;
  }
}

TEST_F(ModelCheckpointTest, SaveBestOnlySavesOnImprovementAndSaysSo) {
  Sequential model = small_mlp();
  Sequential reader = small_mlp();
  std::ostringstream out;
  keras::utils::ScopedProgbarOutput guard({&out, false, nullptr});
  cb::ModelCheckpoint ckpt(path("best.h5"), {.monitor = "loss", .verbose = 1, .save_best_only = true});
  ckpt.set_model(&model);
  Logs logs{{"loss", 1.0}};
  ckpt.on_epoch_end(0, logs);
  const auto first = model.get_weights();
  // Weights change; a worse loss leaves the file as it was.
  model.set_weights({np::ones({3, 5}), np::ones({5}), np::ones({5, 1}), np::ones({1})});
  logs.set("loss", 2.0);
  ckpt.on_epoch_end(1, logs);
  reader.load_weights(path("best.h5"));
  EXPECT_TRUE(np::array_equal(reader.get_weights()[0], first[0]));
  logs.set("loss", 0.5);
  ckpt.on_epoch_end(2, logs);
  reader.load_weights(path("best.h5"));
  EXPECT_TRUE(np::array_equal(reader.get_weights()[0], np::ones({3, 5})));
  EXPECT_EQ(ckpt.best, 0.5);
  // NaN never improves; a missing monitor warns and skips.
  logs.set("loss", std::nan(""));
  ckpt.on_epoch_end(3, logs);
  Logs empty;
  ckpt.on_epoch_end(4, empty);
  const std::string p = path("best.h5");
  EXPECT_EQ(out.str(), "Epoch 00000: loss improved from inf to 1.00000, saving model to " + p + "\n" +
                           "Epoch 00001: loss did not improve\n" +
                           "Epoch 00002: loss improved from 1.00000 to 0.50000, saving model to " + p + "\n" +
                           "Epoch 00003: loss did not improve\n");
  EXPECT_EQ(ckpt.best, 0.5);
}

TEST_F(ModelCheckpointTest, ModeAutoTakesHigherAccuracyAsBetter) {
  Sequential model = small_mlp();
  cb::ModelCheckpoint acc(path("acc_{epoch}.h5"), {.monitor = "val_acc", .save_best_only = true});
  cb::ModelCheckpoint forced_min(path("min_{epoch}.h5"), {.monitor = "val_acc", .save_best_only = true,
                                                          .mode = "min"});
  for (cb::ModelCheckpoint* c : {&acc, &forced_min}) {
    c->set_model(&model);
    for (int epoch = 0; epoch < 3; ++epoch) {
      Logs logs{{"val_acc", 0.5 + 0.1 * epoch}};
      c->on_epoch_end(epoch, logs);
    }
  }
  for (int epoch = 0; epoch < 3; ++epoch) EXPECT_TRUE(fs::exists(path("acc_" + std::to_string(epoch) + ".h5")));
  EXPECT_TRUE(fs::exists(path("min_0.h5")));
  EXPECT_FALSE(fs::exists(path("min_1.h5")));
  EXPECT_FALSE(fs::exists(path("min_2.h5")));
}

TEST_F(ModelCheckpointTest, SaveWeightsOnlyWritesAWeightFile) {
  Sequential model = small_mlp();
  cb::ModelCheckpoint ckpt(path("w.h5"), {.save_weights_only = true});
  ckpt.set_model(&model);
  Logs logs;
  ckpt.on_epoch_end(0, logs);
  const h5::Group root = h5::open_file(path("w.h5"));
  EXPECT_FALSE(root.has_attr("model_config"));
  EXPECT_TRUE(root.has_attr("layer_names"));
  EXPECT_THROW(keras::models::load_model(path("w.h5")), keraspp::ValueError);
  Sequential other = small_mlp();
  other.load_weights(path("w.h5"));
  EXPECT_TRUE(np::array_equal(other.get_weights()[0], model.get_weights()[0]));
}

TEST_F(ModelCheckpointTest, AFailedSaveThrowsAndKeepsTheBest) {
  Sequential model = small_mlp();
  cb::ModelCheckpoint ckpt(path("missing_dir/best.h5"), {.monitor = "loss", .save_best_only = true});
  ckpt.set_model(&model);
  Logs logs{{"loss", 1.0}};
  EXPECT_THROW_MSG(ckpt.on_epoch_end(0, logs), keraspp::IOError, "missing_dir");
  EXPECT_TRUE(std::isinf(ckpt.best));
  // Without a model (not run by fit) it says what is missing.
  cb::ModelCheckpoint unset(path("x.h5"));
  EXPECT_THROW_MSG(unset.on_epoch_end(0, logs), keraspp::ValueError, "set by fit()");
}

}  // namespace
}  // namespace keras_saving_test
