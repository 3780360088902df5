// Subcommand registry: each src/cli/<name>.cpp registers one subcommand at static-init
// time, so adding a command is adding a file. The command's setup function declares its
// flags on the CLI11 sub-app and returns the function that runs it (exit code).
#pragma once
#include <CLI/CLI.hpp>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lpo::cli {

using Runner = std::function<int()>;
using Setup = std::function<Runner(CLI::App&)>;

struct Command {
  std::string name;
  std::string help;
  Setup setup;
};

std::vector<Command>& commands();

struct Register {
  Register(std::string name, std::string help, Setup setup) {
    commands().push_back({std::move(name), std::move(help), std::move(setup)});
  }
};

/// Flags every computing command shares.
struct ComputeFlags {
  int threads = 0;             // 0: all cores
  std::string device = "auto"; // auto: cuda when this build and machine have one, else cpu
  bool bf16 = false;           // bfloat16 weights and activations
};
/// Adds --threads, and unless `threads_only`, --device and --bf16 to `app`.
void add_compute_flags(CLI::App& app, ComputeFlags& flags, bool threads_only = false);
/// Applies --threads (at::set_num_threads) and validates --device.
void apply_compute_flags(const ComputeFlags& flags);
/// The device --device names; in a distributed run (WORLD_SIZE or Slurm set) a bare "cuda" or
/// "auto" is this rank's GPU, cuda:LOCAL_RANK. Throws lpo::Error as parse_device().
c10::Device compute_device(const ComputeFlags& flags);
/// The dtype inference commands load models in: bfloat16 with --bf16, else float32.
at::ScalarType compute_dtype(const ComputeFlags& flags);

/// Runs the lpo command line `args` (args[0] is the program name) in this process: parses,
/// runs the subcommand, prints errors. Returns the exit code (0 ok, 1 error, 2 internal).
int run_cli(const std::vector<std::string>& args);

/// Parses --shard "I/N" (0 <= I < N). Throws lpo::Error quoting the text otherwise.
std::pair<int, int> parse_shard(const std::string& text);

}  // namespace lpo::cli
