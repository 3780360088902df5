// lpo: one binary, one subcommand per file in src/cli/.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "cli/command.hpp"
#include "model/runtime.hpp"
#include "training/data_parallel.hpp"
#include "util/error.hpp"
#include "util/stop_signal.hpp"

namespace lpo::cli {

std::vector<Command>& commands() {
  static std::vector<Command> all;
  return all;
}

void add_compute_flags(CLI::App& app, ComputeFlags& flags, bool threads_only) {
  app.add_option("--threads", flags.threads, "compute threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  if (threads_only) return;
  app.add_option("--device", flags.device, "auto, cpu, cuda or cuda:N (auto: cuda when available)")
      ->capture_default_str();
  app.add_flag("--bf16", flags.bf16,
               "bfloat16 weights and activations (train: float32 master weights and AdamW state)");
}

void apply_compute_flags(const ComputeFlags& flags) {
  tune_allocator();
  set_threads(flags.threads);
  compute_device(flags);
}

c10::Device compute_device(const ComputeFlags& flags) {
  const training::DistEnv env = training::dist_env_from_environment();
  return parse_device(flags.device, env.world_size > 1 ? env.local_rank : -1);
}

at::ScalarType compute_dtype(const ComputeFlags& flags) { return flags.bf16 ? at::kBFloat16 : at::kFloat; }

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
  } catch (const lpo::Stopped& e) {  // a stop signal: resumable, not a failure of the inputs
    std::cerr << "lpo: " << e.what() << "\n";
    return e.exit_code();
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
