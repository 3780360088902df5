// Running the lpo binary from tests.
#pragma once
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "util/jsonl.hpp"

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

/// The "loss" of every line of a metrics.jsonl, in order.
inline std::vector<double> logged_losses(const std::string& metrics) {
  std::vector<double> out;
  for_each_json_line(metrics, [&](const nlohmann::json& j, long) { out.push_back(j.at("loss").get<double>()); });
  return out;
}

/// Copies the first `n` lines of ../shared/`shared_rel` (plain or .gz) to `out_path` (plain
/// JSONL) and returns `out_path`: real data, kept short for 2 cores.
inline std::string first_lines(const std::string& shared_rel, const std::string& out_path, int n) {
  LineReader reader(shared_path(shared_rel));
  std::ofstream out(out_path);
  std::string line;
  for (int i = 0; i < n && reader.next(line); ++i) out << line << "\n";
  return out_path;
}

/// Starts `lpo <args>` in the background: its output goes to dir/out.txt, its pid to dir/pid
/// and, when it ends, its exit status to dir/rc (each file appears complete, via rename).
inline void start_lpo(const std::string& args, const std::string& dir) {
  const std::string cmd = "sh -c '" + lpo_bin() + " " + args + " > " + dir + "/out.txt 2>&1 & echo $! > " + dir +
                          "/pid.tmp; mv " + dir + "/pid.tmp " + dir + "/pid; wait $!; echo $? > " + dir +
                          "/rc.tmp; mv " + dir + "/rc.tmp " + dir + "/rc' &";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("cannot start: " + cmd);
}

/// Waits up to `seconds` for `path` to exist.
inline bool wait_for(const std::string& path, int seconds = 60) {
  for (int i = 0; i < seconds * 1000 && !std::filesystem::exists(path); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::filesystem::exists(path);
}

/// `lpo init-model` of a 1-layer, hidden-32 model with the real gpt2 tokenizer into `dir`
/// (fast enough for end-to-end CLI tests). Returns the command's result.
inline RunResult init_tiny_gpt2_model(const std::string& dir) {
  return run_lpo("init-model --out " + dir + " --tokenizer " + shared_path("tokenizers/gpt2/tokenizer.json") +
                 " --hidden-size 32 --intermediate-size 64 --num-layers 1 --num-heads 2 --num-kv-heads 1");
}

/// The JSON objects and arrays among a command's output lines (log lines are skipped).
inline std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> out;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && (line[0] == '{' || line[0] == '[')) out.push_back(nlohmann::json::parse(line));
  return out;
}

}  // namespace lpo::test
