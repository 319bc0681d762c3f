// Golden text of the progress bar and fit's epoch lines (Keras 2.0.2's
// Progbar and ProgbarLogger) with a fake clock: live redraws on a terminal,
// one final line per epoch otherwise, and verbose=2's one line per epoch.
#include "train_test_util.h"

namespace keras_train_test {
namespace {

using keras::utils::Progbar;
using keras::utils::ProgbarOptions;
using keras::utils::ScopedProgbarOutput;

class ProgbarTest : public KerasTrainTest {
 protected:
  std::ostringstream out;
  FakeClock clock;
};

TEST_F(ProgbarTest, TerminalRedrawsWithEtaAndAverages) {
  ScopedProgbarOutput guard({&out, true, clock.fn()});
  Progbar bar(100);
  clock.advance(0.5);
  bar.update(10, {{"loss", 0.5}});
  const std::string first = "\r 10/100 [==>...........................] - ETA: 4s - loss: 0.5000";
  EXPECT_EQ(out.str(), first);
  clock.advance(0.005);  // within the 0.01s interval: no redraw
  bar.update(20, {{"loss", 1.0}});
  EXPECT_EQ(out.str(), first);
  clock.advance(1.495);
  bar.update(50, {{"loss", 0.0001}});
  // loss = (0.5*10 + 1.0*10 + 0.0001*30) / 50
  const std::string second = std::string(65, '\b') + "\r 50/100 [==============>...............] - ETA: 2s - loss: 0.3001";
  EXPECT_EQ(out.str(), first + second);
  clock.advance(2.0);
  bar.update(100, {{"loss", 0.0}});
  // Backspaces over the whole previous line; a shorter line is padded over
  // the old one; the final one ends the line.
  const std::string third = std::string(65, '\b') + "\r100/100 [==============================] - 4s - loss: 0.1500" +
                            std::string(5, ' ') + "\n";
  EXPECT_EQ(out.str(), first + second + third);
}

TEST_F(ProgbarTest, SmallValuesInScientificNotation) {
  ScopedProgbarOutput guard({&out, false, clock.fn()});
  Progbar bar(8);
  clock.advance(3.7);
  bar.update(8, {{"loss", 0.00012345}, {"acc", -0.5}});
  EXPECT_EQ(out.str(), "8/8 [==============================] - 3s - loss: 1.2345e-04 - acc: -0.5000\n");
}

TEST_F(ProgbarTest, NotATerminalPrintsOnlyTheFinalLine) {
  ScopedProgbarOutput guard({&out, false, clock.fn()});
  Progbar bar(60000);
  for (int i = 1; i <= 10; ++i) {
    clock.advance(0.375);
    bar.update(i * 6000, {{"loss", 0.2454}, {"acc", 0.9241}});
  }
  EXPECT_EQ(out.str(), "60000/60000 [==============================] - 3s - loss: 0.2454 - acc: 0.9241\n");
}

TEST_F(ProgbarTest, Verbose2PrintsOneSummaryLine) {
  ScopedProgbarOutput guard({&out, true, clock.fn()});
  Progbar bar(10, ProgbarOptions{.verbose = 2});
  clock.advance(1.0);
  bar.update(5, {{"loss", 2.0}});
  EXPECT_EQ(out.str(), "");
  clock.advance(1.5);
  bar.update(10, {{"loss", 1.0}});
  EXPECT_EQ(out.str(), "2s - loss: 1.5000\n");
}

TEST_F(ProgbarTest, PythonFloatRepr) {
  using keras::utils::python_float_repr;
  EXPECT_EQ(python_float_repr(0.001), "0.001");
  EXPECT_EQ(python_float_repr(1e-05), "1e-05");
  EXPECT_EQ(python_float_repr(0.0001), "0.0001");
  EXPECT_EQ(python_float_repr(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(python_float_repr(3.0), "3.0");
  EXPECT_EQ(python_float_repr(-2.5), "-2.5");
  EXPECT_EQ(python_float_repr(1e16), "1e+16");
  EXPECT_EQ(python_float_repr(123456.75), "123456.75");
  EXPECT_EQ(python_float_repr(static_cast<float>(0.001)), "0.0010000000474974513");
}

// ---- fit's text ------------------------------------------------------------

// A model whose loss is known per batch: Dense(1) with zero weights and lr 0
// predicts 0, so batch k of targets t has mse t^2 and mae |t|. 10 samples in
// batches of 4, 4, 2 with targets 1, 2, 3; the clock moves 1s per batch.
class FitTextTest : public ProgbarTest {
 protected:
  void SetUp() override {
    ProgbarTest::SetUp();
    model = linear_model(1, 1);
    model.set_weights({np::zeros({1, 1}), np::zeros({1})});
    model.compile({.optimizer = keras::optimizers::SGD({.lr = 0.0}), .loss = "mse", .metrics = {"mae"}});
    x = np::ones({10, 1});
    y = np::Array::from_vector<float>({1, 1, 1, 1, 2, 2, 2, 2, 3, 3}, {10, 1});
    tick = std::make_shared<keras::callbacks::LambdaCallback>(keras::callbacks::LambdaCallbackOptions{
        .on_batch_end = [c = clock](int, keras::Logs&) { c.advance(1.0); }});
  }
  keras::engine::History fit(int verbose, int epochs = 1, bool validate = false) {
    keras::engine::FitOptions o{.batch_size = 4, .epochs = epochs, .verbose = verbose, .callbacks = {tick},
                                .shuffle = false};
    if (validate) o.validation_data = {{np::ones({4, 1}), np::full({4, 1}, 0.5)}};
    return model.fit(x, y, o);
  }
  keras::models::Sequential model;
  np::Array x, y;
  std::shared_ptr<keras::callbacks::LambdaCallback> tick;
};

TEST_F(FitTextTest, TerminalVerbose1) {
  ScopedProgbarOutput guard({&out, true, clock.fn()});
  fit(1);
  const std::string l1 = "\r 4/10 [===========>..................] - ETA: 1s - loss: 1.0000 - mean_absolute_error: 1.0000";
  const std::string l2 = std::string(l1.size() - 1, '\b') +
                         "\r 8/10 [=======================>......] - ETA: 0s - loss: 2.5000 - mean_absolute_error: 1.5000";
  const std::string l3 = std::string(l1.size() - 1, '\b') +
                         "\r10/10 [==============================] - 3s - loss: 3.8000 - mean_absolute_error: 1.8000" +
                         std::string(5, ' ') + "\n";
  EXPECT_EQ(out.str(), "Epoch 1/1\n" + l1 + l2 + l3);
}

TEST_F(FitTextTest, NotATerminalVerbose1WithValidation) {
  ScopedProgbarOutput guard({&out, false, clock.fn()});
  keras::engine::History h = fit(1, 2, true);
  // val: targets 0.5 -> mse 0.25, mae 0.5.
  const std::string line =
      "10/10 [==============================] - 3s - loss: 3.8000 - mean_absolute_error: 1.8000 - "
      "val_loss: 0.2500 - val_mean_absolute_error: 0.5000\n";
  EXPECT_EQ(out.str(), "Train on 10 samples, validate on 4 samples\nEpoch 1/2\n" + line + "Epoch 2/2\n" + line);
  EXPECT_EQ(h.history.at("loss"), (std::vector<double>{3.8, 3.8}));
  EXPECT_EQ(h.history.at("val_loss"), (std::vector<double>{0.25, 0.25}));
  EXPECT_EQ(h.epoch, (std::vector<int>{0, 1}));
  EXPECT_EQ(h.params.samples, 10);
  EXPECT_EQ(h.params.metrics, (std::vector<std::string>{"loss", "mean_absolute_error", "val_loss",
                                                        "val_mean_absolute_error"}));
}

TEST_F(FitTextTest, Verbose2OneLinePerEpoch) {
  ScopedProgbarOutput guard({&out, true, clock.fn()});
  fit(2, 2);
  const std::string line = "3s - loss: 3.8000 - mean_absolute_error: 1.8000\n";
  EXPECT_EQ(out.str(), "Epoch 1/2\n" + line + "Epoch 2/2\n" + line);
}

TEST_F(FitTextTest, Verbose0IsSilentAndEvaluateShowsABar) {
  ScopedProgbarOutput guard({&out, false, clock.fn()});
  fit(0);
  EXPECT_EQ(out.str(), "");
  std::vector<double> score = model.evaluate(x, y, {.batch_size = 4});
  EXPECT_EQ(out.str(), "10/10 [==============================] - 0s\n");
  ASSERT_EQ(score.size(), 2u);
  EXPECT_NEAR(score[0], 3.8, 1e-6);
  EXPECT_NEAR(score[1], 1.8, 1e-6);
}

}  // namespace
}  // namespace keras_train_test
