// The Keras cache folders ($KERAS_HOME or ~/.keras, subfolder "datasets").
#include "cache.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include "keraspp/errors.h"
#include "keraspp/keras/datasets.h"

namespace keras::datasets {

namespace detail {

std::string join(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

std::string home_dir() {
  // Python's os.path.expanduser('~') uses $HOME first, then the passwd entry.
  if (const char* h = std::getenv("HOME"); h && *h) return h;
  struct passwd pw {};
  struct passwd* res = nullptr;
  char buf[4096];
  if (getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) == 0 && res && res->pw_dir)
    return res->pw_dir;
  return "/";  // no home at all: a folder that exists, so the error stays readable
}

void throw_not_found(const std::string& what, const std::vector<std::string>& searched,
                     const std::string& hint) {
  std::string msg = "[Errno 2] No such file or directory: '" + what + "' (searched: ";
  for (size_t i = 0; i < searched.size(); ++i) msg += (i ? ", " : "") + searched[i];
  msg += "). " + hint;
  throw keraspp::IOError(msg);
}

}  // namespace detail

std::vector<std::string> cache_dirs() {
  std::vector<std::string> dirs;
  if (const char* kh = std::getenv("KERAS_HOME"); kh && *kh)
    dirs.push_back(detail::join(kh, "datasets"));
  dirs.push_back(detail::join(detail::join(detail::home_dir(), ".keras"), "datasets"));
  return dirs;
}

}  // namespace keras::datasets
