// `lpo pipeline CONFIG`: sample -> select-pairs -> ref-logprobs -> build-dataset -> train ->
// eval from one JSON config, resumable (pipeline/workflow.hpp, docs/pipeline.md).
#include "cli/command.hpp"
#include "pipeline/workflow.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  std::string config, from;
  bool dry_run = false;
};

Register reg("pipeline", "run sample -> select-pairs -> ref-logprobs -> build-dataset -> train -> eval from a config",
             [](CLI::App& app) -> Runner {
               auto f = std::make_shared<Flags>();
               app.add_option("config", f->config, "pipeline config (JSON)")->required();
               app.add_option("--from", f->from, "rerun from this step: sample|select-pairs|ref-logprobs|"
                                                 "build-dataset|train|eval");
               app.add_flag("--dry-run", f->dry_run, "print the steps' command lines and stop");
               return [f] {
                 auto plan = pipeline::load_pipeline(f->config);
                 if (f->dry_run) {
                   for (const auto& step : plan.steps) {
                     std::string line = "lpo";
                     for (const auto& a : step.args) line += " " + a;
                     std::printf("%s\n", line.c_str());
                   }
                   return 0;
                 }
                 pipeline::run_pipeline(plan, f->from, [](const std::vector<std::string>& argv) { return run_cli(argv); });
                 return 0;
               };
             });

}  // namespace
}  // namespace lpo::cli
