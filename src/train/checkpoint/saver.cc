// tf.train.Saver over write_checkpoint / CheckpointReader, the `checkpoint`
// state file and latest_checkpoint (TF 1.x's saver.py behaviour).
#include "keraspp/train/saver.h"

#include <google/protobuf/text_format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "keraspp/errors.h"
#include "keraspp/io/idx.h"
#include "train/checkpoint/tensor_bundle.pb.h"

namespace tf::train {

namespace {

namespace fs = std::filesystem;

// "[2,3]", as TF prints shapes in Assign's error.
std::string tf_shape_str(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

void remove_checkpoint_files(const std::string& prefix) {
  std::error_code ec;  // already gone is fine, as TF's saver ignores it
  for (const char* suffix : {".index", ".data-00000-of-00001", ".meta"}) fs::remove(prefix + suffix, ec);
}

// TF: relative paths in the state file are relative to its directory when
// that directory was given relative.
std::string path_for_state(const std::string& prefix, const fs::path& save_dir) {
  const fs::path p(prefix);
  if (save_dir.is_absolute() || p.is_absolute()) return prefix;
  return p.lexically_relative(save_dir.empty() ? fs::path(".") : save_dir).string();
}

void write_state(const fs::path& save_dir, const std::string& latest_filename, const std::string& latest,
                 const std::vector<std::string>& all) {
  keraspp::checkpoint::CheckpointState state;
  state.set_model_checkpoint_path(path_for_state(latest, save_dir));
  for (const auto& p : all) state.add_all_model_checkpoint_paths(path_for_state(p, save_dir));
  std::string text;
  google::protobuf::TextFormat::PrintToString(state, &text);
  keraspp::io::write_file_atomic((save_dir / latest_filename).string(), text);
}

}  // namespace

Saver::Saver(const SaverOptions& opts) : Saver(global_variables(), opts) {}

Saver::Saver(const std::vector<Variable>& var_list, const SaverOptions& opts) : opts_(opts) {
  if (var_list.empty()) throw keraspp::ValueError("No variables to save");
  std::map<std::string, Variable> named;
  for (const Variable& v : var_list) {
    if (!v) throw keraspp::ValueError("Saver: var_list holds an empty Variable");
    const std::string key = v.op().name();
    if (!named.emplace(key, v).second)
      throw keraspp::ValueError("At least two variables have the same name: " + key);
  }
  vars_.assign(named.begin(), named.end());
}

Saver::Saver(const std::map<std::string, Variable>& var_list, const SaverOptions& opts)
    : vars_(var_list.begin(), var_list.end()), opts_(opts) {
  if (vars_.empty()) throw keraspp::ValueError("No variables to save");
  for (const auto& [key, v] : vars_)
    if (!v || key.empty()) throw keraspp::ValueError("Saver: var_list maps \"" + key + "\" to no variable");
}

std::string Saver::save(Session& sess, const std::string& save_path, std::optional<int64_t> global_step,
                        const std::string& latest_filename) {
  const std::string prefix = global_step ? save_path + "-" + std::to_string(*global_step) : save_path;
  const fs::path save_dir = fs::path(save_path).parent_path();
  std::error_code ec;
  if (!save_dir.empty() && !fs::is_directory(save_dir, ec))
    throw keraspp::ValueError("Parent directory of " + save_path + " doesn't exist, can't save.");
  std::vector<Tensor> fetches;
  for (const auto& kv : vars_) fetches.push_back(kv.second.value());
  const std::vector<np::Array> values = sess.run(fetches);
  std::map<std::string, np::Array> tensors;
  for (size_t i = 0; i < vars_.size(); ++i) tensors.emplace(vars_[i].first, values[i]);
  write_checkpoint(prefix, tensors);

  last_checkpoints_.erase(std::remove(last_checkpoints_.begin(), last_checkpoints_.end(), prefix),
                          last_checkpoints_.end());
  last_checkpoints_.push_back(prefix);
  while (opts_.max_to_keep > 0 && last_checkpoints_.size() > static_cast<size_t>(opts_.max_to_keep)) {
    remove_checkpoint_files(last_checkpoints_.front());
    last_checkpoints_.erase(last_checkpoints_.begin());
  }
  write_state(save_dir, latest_filename, prefix, last_checkpoints_);
  return prefix;
}

void Saver::restore(Session& sess, const std::string& save_path) {
  const CheckpointReader reader(save_path);
  const auto dtypes = reader.get_variable_to_dtype_map();
  FeedDict feeds;
  std::vector<Operation> initializers;
  for (const auto& [key, v] : vars_) {
    const auto saved = dtypes.find(key);
    if (saved == dtypes.end()) throw errors::NotFoundError("Key " + key + " not found in checkpoint");
    if (saved->second != v.dtype())
      throw errors::InvalidArgumentError("tensor_name = " + key + "; expected dtype " + np::tf_dtype_name(v.dtype()) +
                                         " does not equal original dtype " + np::tf_dtype_name(saved->second));
    np::Array value = reader.get_tensor(key);
    const std::vector<int64_t>& dims = v.shape().dims();
    bool fits = v.shape().rank() < 0 || dims.size() == value.shape().size();
    for (size_t i = 0; fits && v.shape().rank() >= 0 && i < dims.size(); ++i)
      fits = dims[i] < 0 || dims[i] == value.shape()[i];
    if (!fits)
      throw errors::InvalidArgumentError("Assign requires shapes of both tensors to match. lhs shape= " +
                                         tf_shape_str(dims) + " rhs shape= " + tf_shape_str(value.shape()) +
                                         " (restoring " + key + " from " + save_path + ")");
    feeds.emplace_back(v.initial_value(), std::move(value));
    initializers.push_back(v.initializer());
  }
  // One run assigns them all: nothing changes unless everything was read.
  sess.run(std::vector<Tensor>{}, feeds, initializers);
}

std::optional<std::string> latest_checkpoint(const std::string& checkpoint_dir, const std::string& latest_filename) {
  const fs::path state_path = fs::path(checkpoint_dir) / latest_filename;
  std::error_code ec;
  if (!fs::is_regular_file(state_path, ec)) return std::nullopt;
  std::ifstream in(state_path);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  keraspp::checkpoint::CheckpointState state;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowUnknownField(true);  // newer TF adds timestamps
  if (!parser.ParseFromString(text, &state) || state.model_checkpoint_path().empty()) return std::nullopt;
  fs::path prefix(state.model_checkpoint_path());
  if (!prefix.is_absolute()) prefix = fs::path(checkpoint_dir) / prefix;
  if (!fs::is_regular_file(prefix.string() + ".index", ec)) return std::nullopt;
  return prefix.string();
}

}  // namespace tf::train
