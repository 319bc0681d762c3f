// LevelDB's sorted string table, the format of a TF checkpoint's .index file
// (TF's lib/io/table): data blocks of key/value entries, a metaindex block,
// an index block of block handles, and a 48-byte footer ending in the magic
// number. Blocks are written uncompressed, as TF's tensor bundles are.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace keraspp::checkpoint {

using TableEntries = std::vector<std::pair<std::string, std::string>>;

// The file image of `entries` (keys strictly increasing).
std::string build_table(const TableEntries& entries);

// The entries of a table image, in order. Every size and offset is checked
// against the image; `what` (the file's name) starts each DataLossError.
TableEntries read_table(const std::string& image, const std::string& what);

}  // namespace keraspp::checkpoint
