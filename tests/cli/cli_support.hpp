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

/// Runs `lpo <args>` through the shell, capturing output; `input` is fed to its stdin.
inline RunResult run_lpo(const std::string& args, const std::string& input = "") {
  RunResult r;
  std::string cmd = lpo_bin() + " " + args + " 2>&1";
  if (!input.empty()) {
    const std::string in_path = temp_dir("stdin") + "/in.txt";
    FILE* f = std::fopen(in_path.c_str(), "w");
    std::fputs(input.c_str(), f);
    std::fclose(f);
    cmd += " < " + in_path;
  }
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return r;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), pipe)) r.output += buf.data();
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace lpo::test
