// tf.train.Saver (TF 1.x) writing and reading TensorFlow's V2 checkpoint
// format, so real TensorFlow reads what Keras++ writes and the reverse:
//   <prefix>.index                 a LevelDB table: header + one entry per tensor
//   <prefix>.data-00000-of-00001   the tensors' bytes, each with a masked CRC32C
//   checkpoint                     text state: the latest and kept prefixes
// No .meta graph file is written (Keras++ rebuilds graphs in code; TF's
// tf.train.load_checkpoint and Saver.restore do not need one).
//
//   tf::train::Saver saver({{"w", w}, {"b", b}});   // or a list, or all globals
//   saver.save(sess, "/tmp/model.ckpt", 100);       // /tmp/model.ckpt-100
//   saver.restore(sess, *tf::train::latest_checkpoint("/tmp"));
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "keraspp/np.h"
#include "keraspp/runtime/session.h"
#include "keraspp/variables/variable.h"

namespace tf::train {

struct SaverOptions {
  // Checkpoints kept: saving one more deletes the oldest's files. 0 keeps all.
  int max_to_keep = 5;
};

class Saver {
 public:
  // Every global variable there is now (TF's var_list=None); ValueError
  // "No variables to save" when there are none.
  explicit Saver(const SaverOptions& opts = {});
  // Each variable under its op name ("dense/kernel" for "dense/kernel:0").
  explicit Saver(const std::vector<Variable>& var_list, const SaverOptions& opts = {});
  // Each variable under the name given (the checkpoint's key).
  explicit Saver(const std::map<std::string, Variable>& var_list, const SaverOptions& opts = {});

  // Writes the variables' values in `sess` to save_path, or save_path-<step>
  // with a global_step, then the `latest_filename` state file beside it.
  // Each file is written to a temporary name and renamed, the index last, so
  // an interrupted save leaves earlier checkpoints intact. Returns the prefix.
  std::string save(Session& sess, const std::string& save_path,
                   std::optional<int64_t> global_step = std::nullopt,
                   const std::string& latest_filename = "checkpoint");
  // Loads every variable from the checkpoint `save_path` (a prefix). All are
  // read and checked before any is assigned, so on error (NotFoundError for a
  // missing file or key, InvalidArgumentError for a wrong shape or dtype,
  // DataLossError for a corrupt file) the session's values are unchanged.
  void restore(Session& sess, const std::string& save_path);

  // The kept checkpoints' prefixes, oldest first.
  const std::vector<std::string>& last_checkpoints() const { return last_checkpoints_; }

 private:
  std::vector<std::pair<std::string, Variable>> vars_;  // sorted by key
  SaverOptions opts_;
  std::vector<std::string> last_checkpoints_;
};

// The prefix the state file in checkpoint_dir names as latest, when its
// .index exists; nullopt otherwise (TF's None).
std::optional<std::string> latest_checkpoint(const std::string& checkpoint_dir,
                                             const std::string& latest_filename = "checkpoint");

// tf.train.load_checkpoint / NewCheckpointReader: a checkpoint's tensors by key.
class CheckpointReader {
 public:
  // NotFoundError when the prefix's .index is missing; DataLossError when the
  // index is corrupt.
  explicit CheckpointReader(const std::string& prefix);
  bool has_tensor(const std::string& key) const;
  // The tensor's bytes, size and checksum checked against the data file.
  np::Array get_tensor(const std::string& key) const;
  std::map<std::string, np::Shape> get_variable_to_shape_map() const;
  std::map<std::string, DType> get_variable_to_dtype_map() const;

  struct Entry {
    DType dtype;
    np::Shape shape;
    int64_t offset = 0;
    int64_t size = 0;
    uint32_t masked_crc32c = 0;
  };

 private:
  std::string prefix_;
  std::map<std::string, Entry> entries_;
};

inline CheckpointReader load_checkpoint(const std::string& prefix) { return CheckpointReader(prefix); }

// Writes one V2 checkpoint (index and data files) of `tensors` at `prefix`.
void write_checkpoint(const std::string& prefix, const std::map<std::string, np::Array>& tensors);

}  // namespace tf::train
