// Shared by the libFuzzer targets: the input bytes become a file (the parsers under test take
// paths, as lpo reads them), and lpo::Error is the one acceptable way to reject it. Anything
// else (a crash, a sanitizer report, another exception escaping) is a finding.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace lpo::fuzz {

/// Writes `data` to a per-process scratch file named `name` and returns its path.
inline std::string write_input(const uint8_t* data, size_t size, const std::string& name) {
  const std::string dir = "/tmp/lpo-fuzz-" + std::to_string(::getpid());
  static bool made = (std::system(("mkdir -p " + dir).c_str()), true);
  (void)made;
  const std::string path = dir + "/" + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size) std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

}  // namespace lpo::fuzz
