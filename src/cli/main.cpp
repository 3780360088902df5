// lpo: one binary, one subcommand per file in src/cli/.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "cli/command.hpp"
#include "model/runtime.hpp"
#include "util/error.hpp"

namespace lpo::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

void add_compute_flags(CLI::App& app, ComputeFlags& flags) {
  app.add_option("--threads", flags.threads, "compute threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--device", flags.device, "cpu, cuda or cuda:N")->capture_default_str();
}

void apply_compute_flags(const ComputeFlags& flags) {
  tune_allocator();
  set_threads(flags.threads);
  parse_device(flags.device);
}

std::pair<int, int> parse_shard(const std::string& text) {
  int index = -1, count = 0;
  char tail = 0;
  lpo::check(std::sscanf(text.c_str(), "%d/%d%c", &index, &count, &tail) == 2 && count >= 1 && index >= 0 &&
                 index < count,
             "--shard: expected I/N with 0 <= I < N, got '", text, "'");
  return {index, count};
}

}  // namespace lpo::cli

namespace lpo::cli {

int run_cli(const std::vector<std::string>& args) {
  CLI::App app{"lpo: preference optimization (LPO, DPO and friends) for causal language models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "lpo 0.1.0");
  auto& all = commands();
  std::sort(all.begin(), all.end(), [](const Command& a, const Command& b) { return a.name < b.name; });
  std::map<CLI::App*, Runner> runners;
  for (const auto& cmd : all) {
    CLI::App* sub = app.add_subcommand(cmd.name, cmd.help);
    runners[sub] = cmd.setup(*sub);
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    for (auto& [sub, run] : runners)
      if (sub->parsed()) return run();
  } catch (const lpo::Error& e) {
    std::cerr << "lpo: error: " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "lpo: internal error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}

}  // namespace lpo::cli

int main(int argc, char** argv) { return lpo::cli::run_cli(std::vector<std::string>(argv, argv + argc)); }
