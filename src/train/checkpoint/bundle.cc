// TF's V2 checkpoint files ("tensor bundles"): write_checkpoint and
// CheckpointReader. The index is a table whose "" key holds the
// BundleHeaderProto and whose other keys hold each tensor's BundleEntryProto;
// the data file holds the tensors' bytes back to back, little-endian.
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "keraspp/errors.h"
#include "keraspp/io/idx.h"
#include "keraspp/train/saver.h"
#include "train/checkpoint/crc32c.h"
#include "train/checkpoint/table.h"
#include "train/checkpoint/tensor_bundle.pb.h"
#include "keraspp/np/memory_limit.h"

namespace tf::train {

namespace {

namespace pb = keraspp::checkpoint;
namespace fs = std::filesystem;

// TF's DataType numbers of the dtypes Keras++ has.
constexpr std::pair<DType, int> kTfDataTypes[] = {
    {DType::float32, 1}, {DType::float64, 2}, {DType::int32, 3},
    {DType::uint8, 4},   {DType::int64, 9},   {DType::bool_, 10},
};
constexpr int kBundleVersion = 1;  // TF's kTensorBundleVersion

int tf_datatype(DType t) {
  for (const auto& [d, n] : kTfDataTypes)
    if (d == t) return n;
  throw keraspp::TypeError("A checkpoint cannot hold dtype " + np::dtype_name(t));
}

std::optional<DType> dtype_of(int tf_type) {
  for (const auto& [d, n] : kTfDataTypes)
    if (n == tf_type) return d;
  return std::nullopt;
}

std::string data_path(const std::string& prefix) { return prefix + ".data-00000-of-00001"; }
std::string index_path(const std::string& prefix) { return prefix + ".index"; }

[[noreturn]] void not_found(const std::string& prefix) {
  throw errors::NotFoundError("Unsuccessful TensorSliceReader constructor: Failed to find any matching files for " +
                              prefix);
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw errors::NotFoundError(path + ": cannot be opened");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The entry's shape and byte size, checked: dims >= 0 and no overflow.
CheckpointReader::Entry parse_entry(const std::string& key, const pb::BundleEntryProto& e, const std::string& what) {
  const auto corrupt = [&](const std::string& why) {
    return errors::DataLossError(what + ": entry for " + key + ": " + why);
  };
  const std::optional<DType> dtype = dtype_of(e.dtype());
  if (!dtype) throw errors::UnimplementedError(what + ": entry for " + key + ": TF DataType " +
                                               std::to_string(e.dtype()) + " is not supported by Keras++");
  if (e.shard_id() != 0 || e.shape().unknown_rank()) throw corrupt("not a single-shard, fully defined tensor");
  CheckpointReader::Entry out{*dtype, {}, e.offset(), e.size(), e.crc32c()};
  uint64_t bytes = np::itemsize(*dtype);
  for (const auto& dim : e.shape().dim()) {
    if (dim.size() < 0) throw corrupt("negative dimension");
    if (dim.size() != 0 && bytes > std::numeric_limits<int64_t>::max() / static_cast<uint64_t>(dim.size()))
      throw corrupt("shape's byte size overflows");
    bytes *= static_cast<uint64_t>(dim.size());
    out.shape.push_back(dim.size());
  }
  if (e.offset() < 0 || e.size() < 0 || static_cast<uint64_t>(e.size()) != bytes)
    throw corrupt("size " + std::to_string(e.size()) + " does not match its shape " + np::shape_str(out.shape) +
                  " and dtype");
  return out;
}

}  // namespace

void write_checkpoint(const std::string& prefix, const std::map<std::string, np::Array>& tensors) {
  std::string data;
  keraspp::checkpoint::TableEntries index;
  pb::BundleHeaderProto header;
  header.set_num_shards(1);
  header.set_endianness(pb::BundleHeaderProto::LITTLE);
  header.mutable_version()->set_producer(kBundleVersion);
  index.emplace_back("", header.SerializeAsString());
  for (const auto& [key, value] : tensors) {  // std::map: keys sorted, as the table needs
    if (key.empty()) throw keraspp::ValueError("A checkpoint key cannot be empty (it holds the header)");
    const np::Array plain = value.to_plain();
    pb::BundleEntryProto entry;
    entry.set_dtype(tf_datatype(plain.dtype()));
    for (int64_t d : plain.shape()) entry.mutable_shape()->add_dim()->set_size(d);
    entry.set_offset(static_cast<int64_t>(data.size()));
    entry.set_size(static_cast<int64_t>(plain.nbytes()));
    const char* bytes = plain.nbytes() ? static_cast<const char*>(plain.raw_data()) : "";
    entry.set_crc32c(keraspp::checkpoint::mask_crc(keraspp::checkpoint::crc32c(bytes, plain.nbytes())));
    data.append(bytes, plain.nbytes());
    index.emplace_back(key, entry.SerializeAsString());
  }
  // The data first: the index names the checkpoint, so it lands last.
  keraspp::io::write_file_atomic(data_path(prefix), data);
  keraspp::io::write_file_atomic(index_path(prefix), keraspp::checkpoint::build_table(index));
}

CheckpointReader::CheckpointReader(const std::string& prefix) : prefix_(prefix) {
  const std::string path = index_path(prefix);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) not_found(prefix);
  const auto table = keraspp::checkpoint::read_table(read_whole_file(path), path);
  if (table.empty() || !table.front().first.empty())
    throw errors::DataLossError(path + ": the index has no header entry");
  pb::BundleHeaderProto header;
  if (!header.ParseFromString(table.front().second))
    throw errors::DataLossError(path + ": the header entry is not a BundleHeaderProto");
  if (header.num_shards() != 1 || header.endianness() != pb::BundleHeaderProto::LITTLE)
    throw errors::UnimplementedError(path + ": only single-shard little-endian checkpoints are supported (" +
                                     std::to_string(header.num_shards()) + " shards)");
  for (size_t i = 1; i < table.size(); ++i) {
    pb::BundleEntryProto entry;
    if (!entry.ParseFromString(table[i].second))
      throw errors::DataLossError(path + ": entry for " + table[i].first + " is not a BundleEntryProto");
    entries_.emplace(table[i].first, parse_entry(table[i].first, entry, path));
  }
}

bool CheckpointReader::has_tensor(const std::string& key) const { return entries_.count(key) != 0; }

np::Array CheckpointReader::get_tensor(const std::string& key) const {
  const auto it = entries_.find(key);
  if (it == entries_.end()) throw errors::NotFoundError("Key " + key + " not found in checkpoint");
  const Entry& e = it->second;
  const std::string path = data_path(prefix_);
  std::ifstream in(path, std::ios::binary);
  if (!in) not_found(path);
  std::error_code ec;
  const uintmax_t file_size = fs::file_size(path, ec);
  if (ec || static_cast<uintmax_t>(e.offset) > file_size || static_cast<uintmax_t>(e.size) > file_size - e.offset)
    throw errors::DataLossError(path + ": " + key + " lies past the end of the data file");
  np::check_allocation(e.shape, e.dtype, path + ":" + key);
  np::Array out = np::Array::empty(e.shape, e.dtype);
  in.seekg(e.offset);
  if (e.size && !in.read(static_cast<char*>(out.raw_data()), e.size))
    throw errors::DataLossError(path + ": reading " + key + " failed");
  const uint32_t crc = keraspp::checkpoint::crc32c(e.size ? out.raw_data() : "", static_cast<size_t>(e.size));
  if (keraspp::checkpoint::unmask_crc(e.masked_crc32c) != crc)
    throw errors::DataLossError(path + ": Checksum does not match for " + key + ": stored " +
                                std::to_string(keraspp::checkpoint::unmask_crc(e.masked_crc32c)) +
                                " vs. calculated on the restored bytes " + std::to_string(crc));
  return out;
}

std::map<std::string, np::Shape> CheckpointReader::get_variable_to_shape_map() const {
  std::map<std::string, np::Shape> out;
  for (const auto& [k, e] : entries_) out.emplace(k, e.shape);
  return out;
}

std::map<std::string, DType> CheckpointReader::get_variable_to_dtype_map() const {
  std::map<std::string, DType> out;
  for (const auto& [k, e] : entries_) out.emplace(k, e.dtype);
  return out;
}

}  // namespace tf::train
