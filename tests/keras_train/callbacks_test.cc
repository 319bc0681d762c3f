// keras.callbacks: EarlyStopping, ReduceLROnPlateau, LearningRateScheduler,
// CSVLogger, TerminateOnNaN, LambdaCallback and user subclasses, driven by
// fit on a model whose losses are known (see FitTextTest in progbar_test).
#include <cmath>
#include <filesystem>
#include <fstream>

#include "train_test_util.h"

namespace keras_train_test {
namespace {

namespace cb = keras::callbacks;
using keras::Logs;

class CallbacksTest : public KerasTrainTest {
 protected:
  void SetUp() override {
    KerasTrainTest::SetUp();
    model = linear_model(1, 1);
    model.set_weights({np::zeros({1, 1}), np::zeros({1})});
    model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.0}), .loss = "mse", .metrics = {"mae"}});
    x = np::ones({10, 1});
    y = np::Array::from_vector<float>({1, 1, 1, 1, 2, 2, 2, 2, 3, 3}, {10, 1});
  }
  // A callback writing `values[epoch]` into logs[key] at epoch end (it runs
  // before the callbacks listed after it).
  static std::shared_ptr<cb::LambdaCallback> scripted(const std::string& key, std::vector<double> values) {
    return std::make_shared<cb::LambdaCallback>(cb::LambdaCallbackOptions{
        .on_epoch_end = [key, values](int epoch, Logs& logs) { logs.set(key, values.at(static_cast<size_t>(epoch))); }});
  }
  keras::engine::History fit(std::vector<cb::CallbackPtr> callbacks, int epochs, int batch_size = 4) {
    return model.fit(x, y, {.batch_size = batch_size, .epochs = epochs, .verbose = 0, .callbacks = callbacks,
                            .shuffle = false});
  }
  keras::models::Sequential model;
  np::Array x, y;
  std::ostringstream out;
};

TEST_F(CallbacksTest, EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement) {
  keras::utils::ScopedProgbarOutput guard({&out, false, nullptr});
  auto stop = std::make_shared<cb::EarlyStopping>(cb::EarlyStoppingOptions{.monitor = "score", .patience = 2, .verbose = 1});
  auto h = fit({scripted("score", {1.0, 0.9, 0.95, 0.96, 0.97, 0.5, 0.4, 0.3}), stop}, 8);
  // Best at epoch 1; epochs 2, 3 wait; epoch 4 stops.
  EXPECT_EQ(h.epoch, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(stop->stopped_epoch, 4);
  EXPECT_EQ(stop->best, 0.9);
  EXPECT_EQ(out.str(), "Epoch 00004: early stopping\n");
}

TEST_F(CallbacksTest, EarlyStoppingModesAndMinDelta) {
  // "acc" in the name: higher is better in auto mode.
  auto stop = std::make_shared<cb::EarlyStopping>(cb::EarlyStoppingOptions{.monitor = "val_acc", .patience = 0});
  auto h = fit({scripted("val_acc", {0.5, 0.6, 0.6, 0.7}), stop}, 4);
  EXPECT_EQ(h.epoch.size(), 3u);
  // min_delta: improvements smaller than it do not count.
  auto stop2 = std::make_shared<cb::EarlyStopping>(
      cb::EarlyStoppingOptions{.monitor = "l", .min_delta = 0.1, .patience = 1, .mode = "min"});
  auto h2 = fit({scripted("l", {1.0, 0.95, 0.92, 0.5, 0.4}), stop2}, 5);
  EXPECT_EQ(h2.epoch.size(), 3u);
}

TEST_F(CallbacksTest, ReduceLROnPlateauMultipliesLr) {
  keras::utils::ScopedProgbarOutput guard({&out, false, nullptr});
  auto reduce = std::make_shared<cb::ReduceLROnPlateau>(cb::ReduceLROnPlateauOptions{
      .monitor = "score", .factor = 0.5, .patience = 1, .verbose = 1, .cooldown = 1, .min_lr = 0.01});
  model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.08}), .loss = "mse"});
  auto h = fit({scripted("score", {1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0}), reduce}, 8);
  // lr as logged at each epoch end (before that epoch's reduction): the
  // plateau starts at epoch 1, patience 1 reduces at epoch 2, the cooldown
  // skips epoch 3, then every other epoch until min_lr.
  const std::vector<double> lr = h.history.at("lr");
  const std::vector<double> expected = {0.08, 0.08, 0.08, 0.04, 0.04, 0.02, 0.02, 0.01};
  ASSERT_EQ(lr.size(), expected.size());
  for (size_t i = 0; i < lr.size(); ++i) EXPECT_NEAR(lr[i], expected[i], 1e-8) << "epoch " << i;
  EXPECT_NEAR(keras::engine::model_optimizer(model).get_lr(), 0.01, 1e-8);
  // Values as Python prints the float32 lr times the factor.
  EXPECT_EQ(out.str(),
            "\nEpoch 00002: reducing learning rate to 0.03999999910593033.\n"
            "\nEpoch 00004: reducing learning rate to 0.019999999552965164.\n"
            "\nEpoch 00006: reducing learning rate to 0.01.\n");
  EXPECT_THROW(cb::ReduceLROnPlateau({.factor = 1.0}), keraspp::ValueError);
}

TEST_F(CallbacksTest, LearningRateSchedulerSetsLrEachEpoch) {
  std::vector<double> seen;
  auto sched = std::make_shared<cb::LearningRateScheduler>([](int epoch) { return 0.1 / (epoch + 1); });
  auto probe = std::make_shared<cb::LambdaCallback>(cb::LambdaCallbackOptions{
      .on_epoch_begin = [&](int, Logs&) { seen.push_back(keras::engine::model_optimizer(model).get_lr()); }});
  fit({sched, probe}, 3);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_NEAR(seen[0], 0.1, 1e-8);
  EXPECT_NEAR(seen[1], 0.05, 1e-8);
  EXPECT_NEAR(seen[2], 0.1 / 3, 1e-8);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST_F(CallbacksTest, CSVLoggerWritesSortedKeysAndAppends) {
  const std::string path = ::testing::TempDir() + "/ktrain_log.csv";
  std::filesystem::remove(path);
  auto logger = std::make_shared<cb::CSVLogger>(path);
  model.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {logger},
                   .validation_data = {{np::ones({4, 1}), np::full({4, 1}, 0.5)}}, .shuffle = false});
  const std::string header = "epoch,loss,mean_absolute_error,val_loss,val_mean_absolute_error\r\n";
  EXPECT_EQ(read_file(path), header + "0,3.8,1.8,0.25,0.5\r\n1,3.8,1.8,0.25,0.5\r\n");
  auto appender = std::make_shared<cb::CSVLogger>(path, cb::CSVLoggerOptions{.separator = ";", .append = true});
  fit({appender}, 1);
  EXPECT_EQ(read_file(path), header + "0,3.8,1.8,0.25,0.5\r\n1,3.8,1.8,0.25,0.5\r\n0;3.8;1.8\r\n");
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST_F(CallbacksTest, CSVLoggerLeavesTheOldFileWhenTrainingFailsEarly) {
  const std::string path = ::testing::TempDir() + "/ktrain_keep.csv";
  { std::ofstream(path) << "old content\n"; }
  auto logger = std::make_shared<cb::CSVLogger>(path);
  auto boom = std::make_shared<cb::LambdaCallback>(
      cb::LambdaCallbackOptions{.on_batch_end = [](int, Logs&) { throw keraspp::ValueError("boom"); }});
  EXPECT_THROW(fit({logger, boom}, 1), keraspp::ValueError);
  EXPECT_EQ(read_file(path), "old content\n");
  // A folder that does not exist: IOError, nothing written.
  auto bad = std::make_shared<cb::CSVLogger>(::testing::TempDir() + "/no/such/dir/log.csv");
  EXPECT_THROW(fit({bad}, 1), keraspp::IOError);
}

TEST_F(CallbacksTest, TerminateOnNaNStopsAtTheBadBatch) {
  keras::utils::ScopedProgbarOutput guard({&out, false, nullptr});
  // 16 samples in batches of 4; the 4th batch (index 3) has a NaN input.
  x = np::ones({16, 1});
  y = np::ones({16, 1});
  x.at<float>(13, 0) = NAN;
  model.set_weights({np::ones({1, 1}), np::zeros({1})});
  int batches = 0;
  auto count = std::make_shared<cb::LambdaCallback>(cb::LambdaCallbackOptions{.on_batch_end = [&](int, Logs&) { ++batches; }});
  auto h = fit({std::make_shared<cb::TerminateOnNaN>(), count}, 3);
  EXPECT_EQ(out.str(), "Batch 3: Invalid loss, terminating training\n");
  EXPECT_EQ(batches, 4);
  EXPECT_EQ(h.epoch.size(), 1u);
  EXPECT_TRUE(model.stop_training());
}

// A user-written callback recording the hooks' order and logs.
struct Recorder : cb::Callback {
  std::vector<std::string> calls;
  void on_train_begin(Logs&) override { calls.push_back("train_begin"); }
  void on_train_end(Logs&) override { calls.push_back("train_end"); }
  void on_epoch_begin(int e, Logs&) override { calls.push_back("epoch_begin " + std::to_string(e)); }
  void on_epoch_end(int e, Logs& logs) override {
    calls.push_back("epoch_end " + std::to_string(e) + " " + std::to_string(logs.at("loss")));
  }
  void on_batch_begin(int b, Logs& logs) override {
    calls.push_back("batch_begin " + std::to_string(b) + " size " + std::to_string(static_cast<int>(logs.at("size"))));
  }
  void on_batch_end(int b, Logs& logs) override {
    calls.push_back("batch_end " + std::to_string(b) + " " + std::to_string(logs.at("loss")));
  }
};

TEST_F(CallbacksTest, UserCallbackSeesHooksInOrder) {
  auto rec = std::make_shared<Recorder>();
  model.fit(x, y, {.batch_size = 4, .epochs = 2, .verbose = 0, .callbacks = {rec}, .shuffle = false,
                   .initial_epoch = 1});
  EXPECT_EQ(rec->calls, (std::vector<std::string>{
                            "train_begin", "epoch_begin 1", "batch_begin 0 size 4", "batch_end 0 1.000000",
                            "batch_begin 1 size 4", "batch_end 1 4.000000", "batch_begin 2 size 2",
                            "batch_end 2 9.000000", "epoch_end 1 3.800000", "train_end"}));
  EXPECT_EQ(rec->params.samples, 10);
  EXPECT_EQ(rec->params.batch_size, 4);
  EXPECT_EQ(rec->params.epochs, 2);
  EXPECT_FALSE(rec->params.do_validation);
  EXPECT_EQ(rec->model, static_cast<keras::engine::Model*>(&model));
}

TEST_F(CallbacksTest, LogsKeepInsertionOrder) {
  Logs logs{{"b", 1.0}, {"a", 2.0}};
  logs.set("c", 3.0);
  logs.set("b", 4.0);
  EXPECT_EQ(logs.keys(), (std::vector<std::string>{"b", "a", "c"}));
  EXPECT_EQ(logs.at("b"), 4.0);
  EXPECT_THROW(logs.at("zz"), keraspp::LookupError);
}

}  // namespace
}  // namespace keras_train_test
