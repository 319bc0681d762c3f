// The process's resident memory, for tests that check a loop frees what it
// builds (read from /proc/self/status, as a user's monitoring would).
#pragma once
#include <cstdint>
#include <fstream>
#include <string>

namespace test_support {

// VmRSS in bytes; 0 where /proc is unavailable.
inline int64_t resident_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;  // "VmRSS:  123 kB"
  return 0;
}

}  // namespace test_support
