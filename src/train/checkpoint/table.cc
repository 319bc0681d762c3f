#include "train/checkpoint/table.h"

#include <cstdint>
#include <cstring>

#include "keraspp/errors.h"
#include "train/checkpoint/crc32c.h"

namespace keraspp::checkpoint {

namespace {

constexpr uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr size_t kFooterSize = 48;       // two handles padded to 40 bytes + magic
constexpr size_t kBlockTrailerSize = 5;  // compression type + masked crc
constexpr char kNoCompression = 0;

void put_fixed32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_fixed64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
}
void put_varint(std::string& s, uint64_t v) {
  while (v >= 0x80) {
    s += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  s += static_cast<char>(v);
}

struct BlockHandle {
  uint64_t offset = 0;
  uint64_t size = 0;
};

void put_handle(std::string& s, BlockHandle h) {
  put_varint(s, h.offset);
  put_varint(s, h.size);
}

// Entries each a restart point (no key sharing), then the restart array.
std::string build_block(const TableEntries& entries) {
  std::string b;
  std::vector<uint32_t> restarts;
  for (const auto& [key, value] : entries) {
    restarts.push_back(static_cast<uint32_t>(b.size()));
    put_varint(b, 0);
    put_varint(b, key.size());
    put_varint(b, value.size());
    b += key;
    b += value;
  }
  if (restarts.empty()) restarts.push_back(0);
  for (uint32_t r : restarts) put_fixed32(b, r);
  put_fixed32(b, static_cast<uint32_t>(restarts.size()));
  return b;
}

// Appends a block and its trailer to the file; returns its handle.
BlockHandle append_block(std::string& file, const std::string& block) {
  const BlockHandle h{file.size(), block.size()};
  file += block;
  file += kNoCompression;
  uint32_t crc = crc32c(block.data(), block.size());
  crc = crc32c_extend(crc, &kNoCompression, 1);
  put_fixed32(file, mask_crc(crc));
  return h;
}

// A bounded reader over part of the image; every read checks the bounds.
class Cursor {
 public:
  Cursor(const std::string& what, const char* p, size_t n) : what_(what), p_(p), n_(n) {}
  bool done() const { return pos_ >= n_; }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (pos_ >= n_) fail("truncated varint");
      const auto byte = static_cast<unsigned char>(p_[pos_++]);
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return v;
    }
    fail("varint longer than 10 bytes");
  }
  std::string bytes(uint64_t n) {
    if (n > n_ - pos_) fail("entry runs past its block");
    std::string s(p_ + pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return s;
  }
  [[noreturn]] void fail(const std::string& why) const {
    throw tf::errors::DataLossError(what_ + ": corrupted table: " + why);
  }

 private:
  const std::string& what_;
  const char* p_;
  size_t n_;
  size_t pos_ = 0;
};

uint32_t get_fixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

// The block `h` points at, its trailer's type and checksum verified.
std::string read_block(const std::string& image, BlockHandle h, const std::string& what) {
  if (h.offset > image.size() || h.size > image.size() - h.offset ||
      kBlockTrailerSize > image.size() - h.offset - h.size)
    throw tf::errors::DataLossError(what + ": corrupted table: bad block handle");
  const char* p = image.data() + h.offset;
  const size_t n = static_cast<size_t>(h.size);
  if (p[n] != kNoCompression)
    throw tf::errors::DataLossError(what + ": compressed table blocks are not supported");
  const uint32_t crc = crc32c_extend(crc32c(p, n), p + n, 1);
  if (unmask_crc(get_fixed32(p + n + 1)) != crc)
    throw tf::errors::DataLossError(what + ": corrupted table: block checksum mismatch");
  return std::string(p, n);
}

// Parses a block's entries (keys may share a prefix with the previous key).
TableEntries parse_block(const std::string& block, const std::string& what) {
  Cursor whole(what, block.data(), block.size());
  if (block.size() < 4) whole.fail("block shorter than its restart count");
  const uint64_t restarts = get_fixed32(block.data() + block.size() - 4);
  if (restarts > (block.size() - 4) / 4) whole.fail("bad block contents (restart count)");
  const size_t limit = block.size() - 4 - static_cast<size_t>(restarts) * 4;
  Cursor c(what, block.data(), limit);
  TableEntries out;
  std::string key;
  while (!c.done()) {
    const uint64_t shared = c.varint(), non_shared = c.varint(), value_size = c.varint();
    if (shared > key.size()) c.fail("key shares more than the previous key holds");
    key = key.substr(0, static_cast<size_t>(shared)) + c.bytes(non_shared);
    out.emplace_back(key, c.bytes(value_size));
  }
  return out;
}

BlockHandle decode_handle(const std::string& value, const std::string& what) {
  Cursor c(what, value.data(), value.size());
  BlockHandle h;
  h.offset = c.varint();
  h.size = c.varint();
  return h;
}

}  // namespace

std::string build_table(const TableEntries& entries) {
  std::string file;
  const BlockHandle data = append_block(file, build_block(entries));
  const BlockHandle meta = append_block(file, build_block({}));
  std::string handle;
  put_handle(handle, data);
  // The index maps a key >= every key of the block (its last key) to the block.
  const std::string last_key = entries.empty() ? std::string() : entries.back().first;
  const BlockHandle index = append_block(file, build_block({{last_key, handle}}));
  std::string footer;
  put_handle(footer, meta);
  put_handle(footer, index);
  footer.resize(kFooterSize - 8, '\0');
  put_fixed64(footer, kTableMagic);
  return file + footer;
}

TableEntries read_table(const std::string& image, const std::string& what) {
  if (image.size() < kFooterSize)
    throw tf::errors::DataLossError(what + ": corrupted table: file is too short to be an sstable");
  const char* footer = image.data() + image.size() - kFooterSize;
  uint64_t magic = 0;
  for (int i = 0; i < 8; ++i) magic |= static_cast<uint64_t>(static_cast<unsigned char>(footer[40 + i])) << (8 * i);
  if (magic != kTableMagic)
    throw tf::errors::DataLossError(what + ": corrupted table: not an sstable (bad magic number)");
  Cursor c(what, footer, 40);
  c.varint();  // metaindex offset and size: no meta blocks are used
  c.varint();
  BlockHandle index;
  index.offset = c.varint();
  index.size = c.varint();
  TableEntries out;
  for (const auto& [last_key, handle] : parse_block(read_block(image, index, what), what)) {
    TableEntries block = parse_block(read_block(image, decode_handle(handle, what), what), what);
    for (auto& e : block) {
      if (!out.empty() && e.first <= out.back().first)
        throw tf::errors::DataLossError(what + ": corrupted table: keys out of order");
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace keraspp::checkpoint
