// Running the lpo binary from tests.
#pragma once
#include <array>
#include <cstdio>
#include <string>

#include "test_support.hpp"

namespace lpo::test {

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

/// Runs `lpo <args>` through the shell, capturing output.
inline RunResult run_lpo(const std::string& args) {
  RunResult r;
  std::string cmd = lpo_bin() + " " + args + " 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace lpo::test
