// The C++ half of the checkpoint interoperability tests with real TensorFlow:
// tests/interop/test_checkpoint_interop.py runs these with
// KERASPP_INTEROP_DIR set to a folder it shares with Python
// (scripts/interop_test.sh sets everything up). Without it they are skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "keraspp/np/npy.h"
#include "keraspp/tf.h"

namespace {

namespace fs = std::filesystem;

std::string interop_dir() {
  const char* d = std::getenv("KERASPP_INTEROP_DIR");
  return d ? d : "";
}

#define SKIP_WITHOUT_INTEROP(dir) \
  if ((dir).empty()) GTEST_SKIP() << "skipped: run by tests/interop (scripts/interop_test.sh)"

// One variable of every dtype a checkpoint holds, with values Python checks.
std::map<std::string, np::Array> cpp_values() {
  return {
      {"dense/kernel", np::Array::from_vector<float>({1.5f, -2.25f, 3e-8f, 4e8f, 0.1f, -0.0f}, {2, 3})},
      {"dense/bias", np::Array::from_vector<double>({0.1, 0.2, 0.30000000000000004}, {3})},
      {"global_step", np::Array::from_vector<int64_t>({1234567890123}, {})},
      {"counts", np::Array::from_vector<int32_t>({-1, 2, -3, 4}, {2, 2})},
      {"pixels", np::Array::from_vector<uint8_t>({0, 127, 255}, {3})},
      {"flags", np::Array::from_vector<bool>({true, false}, {2})},
      {"empty", np::zeros({0, 4})},
  };
}

TEST(CheckpointInterop, WritesACheckpoint) {
  const std::string dir = interop_dir();
  SKIP_WITHOUT_INTEROP(dir);
  tf::Graph g;
  tf::Graph::DefaultGuard guard(g);
  std::map<std::string, tf::Variable> vars;
  for (const auto& [name, value] : cpp_values()) vars.emplace(name, tf::Variable(value, {.name = name}));
  tf::Session sess(g);
  sess.run(tf::global_variables_initializer());
  fs::create_directories(fs::path(dir) / "cpp");
  tf::train::Saver saver(vars);
  EXPECT_EQ(saver.save(sess, (fs::path(dir) / "cpp" / "model.ckpt").string(), 5),
            (fs::path(dir) / "cpp" / "model.ckpt-5").string());
  for (const auto& [name, value] : cpp_values()) {
    std::string file = name;
    std::replace(file.begin(), file.end(), '/', '_');
    np::save((fs::path(dir) / "cpp" / (file + ".npy")).string(), value);
  }
}

// Python saved variables of the same names with tf.compat.v1.train.Saver
// (values in py/<name>.npy); Keras++ finds the latest and restores them.
TEST(CheckpointInterop, RestoresTensorflowsCheckpoint) {
  const std::string dir = interop_dir();
  SKIP_WITHOUT_INTEROP(dir);
  const fs::path py = fs::path(dir) / "py";
  const std::optional<std::string> latest = tf::train::latest_checkpoint(py.string());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(*latest, (py / "model.ckpt-3").string());
  tf::Graph g;
  tf::Graph::DefaultGuard guard(g);
  std::map<std::string, tf::Variable> vars;
  std::map<std::string, np::Array> expected;
  for (const auto& [name, value] : cpp_values()) {
    std::string file = name;
    std::replace(file.begin(), file.end(), '/', '_');
    expected.emplace(name, np::load((py / (file + ".npy")).string()));
    vars.emplace(name, tf::Variable(np::zeros(expected.at(name).shape(), expected.at(name).dtype()), {.name = name}));
  }
  tf::Session sess(g);
  sess.run(tf::global_variables_initializer());
  tf::train::Saver(vars).restore(sess, *latest);
  for (const auto& [name, v] : vars) EXPECT_TRUE(np::array_equal(sess.run(v.value()), expected.at(name))) << name;
  // Python's extra variable is in the file too.
  EXPECT_TRUE(tf::train::load_checkpoint(*latest).has_tensor("python_only"));
}

}  // namespace
