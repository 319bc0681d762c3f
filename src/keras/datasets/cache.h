// Private helpers of the dataset loaders: where the Keras cache is, and the
// "not found" error that lists what was searched.
#pragma once
#include <string>
#include <vector>

namespace keras::datasets::detail {

// a + "/" + b without doubling the separator.
std::string join(const std::string& a, const std::string& b);
// The user's home folder: $HOME, else the password database entry.
std::string home_dir();
// IOError: "[Errno 2] No such file or directory: '<what>' (searched: ...)"
// plus a hint, so the user knows which folders to fill.
[[noreturn]] void throw_not_found(const std::string& what, const std::vector<std::string>& searched,
                                  const std::string& hint);

}  // namespace keras::datasets::detail
