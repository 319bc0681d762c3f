// tf::train::Saver and TF's V2 checkpoint files: round trips bit for bit,
// var_list as a list or a name map, global_step names, max_to_keep and the
// `checkpoint` state file, and bad input (missing files and keys, wrong
// shapes, corrupt bytes) as TF's errors with the session unchanged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "keraspp/tf.h"
#include "support/expect_error.h"
#include "train/checkpoint/crc32c.h"
#include "train/checkpoint/table.h"

namespace {

namespace fs = std::filesystem;
namespace ckpt = keraspp::checkpoint;
using kpp_test::message_of;
using ::testing::HasSubstr;

class SaverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("keraspp_saver_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    guard.emplace(g);
    w = tf::Variable(np::Array::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3}), {.name = "dense/kernel"});
    b = tf::Variable(np::Array::from_vector<float>({0.5f, -0.25f, 1e-30f}, {3}), {.name = "dense/bias"});
    step = tf::Variable(np::Array::from_vector<int64_t>({7}, {}), {.trainable = false, .name = "global_step"});
    sess.emplace(g);
    sess->run(tf::global_variables_initializer());
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string path(const std::string& name) const { return (dir / name).string(); }
  // Sets every variable to a value unlike the saved one.
  void clobber() {
    sess->run(std::vector<tf::Tensor>{}, {}, {w.assign(np::zeros({2, 3})).op(), b.assign(np::ones({3})).op()});
  }
  static std::string read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  static void write(const std::string& p, const std::string& bytes) { std::ofstream(p, std::ios::binary) << bytes; }

  fs::path dir;
  tf::Graph g;
  std::optional<tf::Graph::DefaultGuard> guard;
  tf::Variable w, b, step;
  std::optional<tf::Session> sess;
};

TEST(Crc32c, MatchesTheCastagnoliCheckValueAndMasksAsTf) {
  EXPECT_EQ(ckpt::crc32c("123456789", 9), 0xE3069283u);
  EXPECT_EQ(ckpt::crc32c("", 0), 0u);
  EXPECT_EQ(ckpt::crc32c_extend(ckpt::crc32c("12345", 5), "6789", 4), 0xE3069283u);
  EXPECT_NE(ckpt::mask_crc(0xE3069283u), 0xE3069283u);
  EXPECT_EQ(ckpt::unmask_crc(ckpt::mask_crc(0xE3069283u)), 0xE3069283u);
}

TEST(Table, RoundTripsAndRejectsEveryCorruptionItNotices) {
  const ckpt::TableEntries entries = {{"", "header"}, {"a", std::string(3, '\0')}, {"a/b", "x"}, {"b", ""}};
  const std::string image = ckpt::build_table(entries);
  EXPECT_EQ(ckpt::read_table(image, "t"), entries);
  // Each truncation and each single flipped byte is an error or (where the
  // byte is padding) the same entries: never a crash or a wrong result.
  for (size_t n = 0; n < image.size(); ++n)
    EXPECT_THROW(ckpt::read_table(image.substr(0, n), "t"), tf::errors::DataLossError) << n;
  for (size_t i = 0; i < image.size(); ++i) {
    std::string bad = image;
    bad[i] = static_cast<char>(bad[i] ^ 0x5a);
    try {
      EXPECT_EQ(ckpt::read_table(bad, "t"), entries) << "byte " << i;
    } catch (const tf::errors::DataLossError&) {
    }
  }
}

TEST_F(SaverTest, SaveAndRestoreEveryGlobalVariableBitForBit) {
  tf::train::Saver saver;
  const np::Array w0 = sess->run(w.value()), b0 = sess->run(b.value());
  EXPECT_EQ(saver.save(*sess, path("model.ckpt")), path("model.ckpt"));
  EXPECT_TRUE(fs::exists(path("model.ckpt.index")));
  EXPECT_TRUE(fs::exists(path("model.ckpt.data-00000-of-00001")));
  clobber();
  saver.restore(*sess, path("model.ckpt"));
  EXPECT_TRUE(np::array_equal(sess->run(w.value()), w0));
  EXPECT_TRUE(np::array_equal(sess->run(b.value()), b0));
  const tf::train::CheckpointReader reader = tf::train::load_checkpoint(path("model.ckpt"));
  EXPECT_EQ(reader.get_variable_to_shape_map(),
            (std::map<std::string, np::Shape>{{"dense/bias", {3}}, {"dense/kernel", {2, 3}}, {"global_step", {}}}));
  EXPECT_EQ(reader.get_variable_to_dtype_map().at("global_step"), np::int64);
  EXPECT_EQ(reader.get_tensor("global_step").get_flat(0), 7);
}

// The seed's question: select the required variables and save/restore them.
TEST_F(SaverTest, ANameMapSavesOnlyTheChosenVariablesUnderItsNames) {
  tf::train::Saver saver(std::map<std::string, tf::Variable>{{"weights", w}});
  saver.save(*sess, path("only_w"));
  EXPECT_EQ(tf::train::load_checkpoint(path("only_w")).get_variable_to_shape_map().size(), 1u);
  clobber();
  saver.restore(*sess, path("only_w"));
  EXPECT_EQ(sess->run(w.value()).get_flat(5), 6);
  EXPECT_EQ(sess->run(b.value()).get_flat(0), 1);  // not in the list: left as it was
  // A list saves under the op names.
  tf::train::Saver by_list(std::vector<tf::Variable>{b});
  by_list.save(*sess, path("only_b"));
  EXPECT_TRUE(tf::train::load_checkpoint(path("only_b")).has_tensor("dense/bias"));
  EXPECT_THAT(message_of<keraspp::ValueError>([&] { tf::train::Saver(std::vector<tf::Variable>{w, w}); }),
              HasSubstr("At least two variables have the same name: dense/kernel"));
}

TEST_F(SaverTest, GlobalStepMaxToKeepAndLatestCheckpoint) {
  EXPECT_EQ(tf::train::latest_checkpoint(dir.string()), std::nullopt);
  tf::train::Saver saver(tf::train::SaverOptions{.max_to_keep = 2});
  for (int64_t s : {10, 20, 30}) EXPECT_EQ(saver.save(*sess, path("model.ckpt"), s), path("model.ckpt-") + std::to_string(s));
  EXPECT_FALSE(fs::exists(path("model.ckpt-10.index")));
  EXPECT_FALSE(fs::exists(path("model.ckpt-10.data-00000-of-00001")));
  EXPECT_TRUE(fs::exists(path("model.ckpt-20.index")));
  EXPECT_EQ(saver.last_checkpoints(), (std::vector<std::string>{path("model.ckpt-20"), path("model.ckpt-30")}));
  EXPECT_EQ(read(path("checkpoint")), "model_checkpoint_path: \"" + path("model.ckpt-30") +
                                          "\"\nall_model_checkpoint_paths: \"" + path("model.ckpt-20") +
                                          "\"\nall_model_checkpoint_paths: \"" + path("model.ckpt-30") + "\"\n");
  EXPECT_EQ(tf::train::latest_checkpoint(dir.string()), path("model.ckpt-30"));
  // A state file with a path relative to its folder (as TF writes for a
  // relative save_dir) resolves against the folder.
  write(path("checkpoint"), "model_checkpoint_path: \"model.ckpt-20\"\n");
  EXPECT_EQ(tf::train::latest_checkpoint(dir.string()), (dir / "model.ckpt-20").string());
  // Only files: no temporaries left behind (2 checkpoints x 2 files + state).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 5);
}

TEST_F(SaverTest, AFailedSaveLeavesTheEarlierCheckpointUsable) {
  tf::train::Saver saver;
  saver.save(*sess, path("model.ckpt"), 1);
  fs::create_directories(path("model.ckpt-2.index"));  // the index cannot be renamed into place
  EXPECT_ANY_THROW(saver.save(*sess, path("model.ckpt"), 2));
  EXPECT_EQ(tf::train::latest_checkpoint(dir.string()), path("model.ckpt-1"));
  clobber();
  saver.restore(*sess, path("model.ckpt-1"));
  EXPECT_EQ(sess->run(w.value()).get_flat(0), 1);
  EXPECT_THAT(message_of<keraspp::ValueError>([&] { saver.save(*sess, path("no/such/dir/m")); }),
              HasSubstr("Parent directory of " + path("no/such/dir/m") + " doesn't exist, can't save."));
}

TEST_F(SaverTest, BadCheckpointsAreTfErrorsAndChangeNothing) {
  tf::train::Saver saver;
  saver.save(*sess, path("m"));
  clobber();
  const np::Array w_clobbered = sess->run(w.value());
  EXPECT_THAT(message_of<tf::errors::NotFoundError>([&] { saver.restore(*sess, path("absent")); }),
              HasSubstr("Failed to find any matching files for " + path("absent")));
  tf::train::Saver(std::map<std::string, tf::Variable>{{"dense/kernel", w}}).save(*sess, path("partial"));
  EXPECT_THAT(message_of<tf::errors::NotFoundError>([&] { saver.restore(*sess, path("partial")); }),
              HasSubstr("Key dense/bias not found in checkpoint"));
  // A wrong shape: b's 3 floats under w's key.
  tf::train::Saver(std::map<std::string, tf::Variable>{{"dense/kernel", b}, {"dense/bias", b}, {"global_step", step}})
      .save(*sess, path("wrong_shape"));
  EXPECT_THAT(message_of<tf::errors::InvalidArgumentError>([&] { saver.restore(*sess, path("wrong_shape")); }),
              HasSubstr("lhs shape= [2,3] rhs shape= [3]"));
  // A flipped data byte fails its checksum; a truncated data file is caught by size.
  const std::string data = read(path("m.data-00000-of-00001"));
  std::string flipped = data;
  flipped[2] = static_cast<char>(flipped[2] ^ 1);
  write(path("m.data-00000-of-00001"), flipped);
  EXPECT_THAT(message_of<tf::errors::DataLossError>([&] { saver.restore(*sess, path("m")); }),
              HasSubstr("Checksum does not match"));
  write(path("m.data-00000-of-00001"), data.substr(0, data.size() - 4));
  EXPECT_THAT(message_of<tf::errors::DataLossError>([&] { saver.restore(*sess, path("m")); }),
              HasSubstr("past the end of the data file"));
  const std::string index = read(path("m.index"));
  write(path("m.index"), index.substr(0, index.size() / 2));
  EXPECT_THROW(saver.restore(*sess, path("m")), tf::errors::DataLossError);
  EXPECT_TRUE(np::array_equal(sess->run(w.value()), w_clobbered));
}

// Every single flipped byte of the index and every truncation of it: a TF
// error or a checkpoint that still reads; never a crash or a huge allocation.
TEST_F(SaverTest, CorruptIndexSweep) {
  tf::train::Saver().save(*sess, path("m"));
  const std::string index = read(path("m.index"));
  const auto read_all = [&] {
    const tf::train::CheckpointReader reader(path("m"));
    for (const auto& [key, shape] : reader.get_variable_to_shape_map()) reader.get_tensor(key);
  };
  int errors = 0;
  const auto attempt = [&] {
    try {
      read_all();
    } catch (const tf::errors::OpError&) {
      ++errors;
    }
  };
  for (size_t i = 0; i < index.size(); ++i) {
    std::string bad = index;
    bad[i] = static_cast<char>(bad[i] ^ 0xff);
    write(path("m.index"), bad);
    attempt();
  }
  // Blocks are checksummed: only what the reader never uses may change
  // unnoticed: the footer's padding, the metaindex handle and the (empty)
  // metaindex block, 13 bytes with its trailer.
  EXPECT_GE(errors, static_cast<int>(index.size()) - 40 - 13);
  errors = 0;
  for (size_t n = 0; n < index.size(); ++n) {
    write(path("m.index"), index.substr(0, n));
    attempt();
  }
  EXPECT_EQ(errors, static_cast<int>(index.size()));
}

}  // namespace
