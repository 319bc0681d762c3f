// Private: the zip archives of Keras 3's .keras files, on minizip. Entries
// are read whole into memory; nothing the archive claims about sizes is
// trusted before the data is there.
#pragma once
#include <functional>
#include <map>
#include <string>

namespace keras::saving::zip {

// Every file entry of the archive at `path`, name -> bytes. IOError for a
// missing file or a directory ("Unable to open file ..."); ValueError naming
// the file (and the entry) for an archive that is truncated or corrupt: a
// missing or damaged directory, an entry whose data ends early, expands past
// what its compressed size allows, or fails its CRC.
std::map<std::string, std::string> read_archive(const std::string& path);

// Adds one entry (stored, uncompressed, as Keras 3 writes them).
using AddEntry = std::function<void(const std::string& name, const std::string& bytes)>;

// Writes a new archive at `path` atomically: `write` adds the entries to a
// temporary file in the same directory, which is then renamed over `path`.
// On any exception the temporary file is removed and `path` is untouched.
void write_archive_atomically(const std::string& path, const std::function<void(const AddEntry&)>& write);

}  // namespace keras::saving::zip
