// `lpo demo`: the embedded default (pipeline/demo.hpp); `make demo` runs it.
#include "cli/command.hpp"
#include "pipeline/demo.hpp"

namespace lpo::cli {
namespace {

Register reg("demo", "replicate the paper's math experiment: SFT -> sample -> pairs -> DPO vs LPO vs control",
             [](CLI::App& app) -> Runner {
               auto o = std::make_shared<pipeline::DemoOptions>();
               auto compute = std::make_shared<ComputeFlags>();
               auto quick = std::make_shared<bool>(false);
               app.add_option("--out", o->out_dir, "work directory (replaced)")->capture_default_str();
               app.add_option("--seed", o->seed, "task, model and sampling seed")->capture_default_str();
               app.add_flag("--quick", *quick, "a tiny variant that runs every step in seconds (for tests)");
               app.add_option("--pref-iters", o->pref_iters, "preference steps per run")->capture_default_str();
               app.add_option("--lr", o->lr, "learning rate of the main comparison")->capture_default_str();
               app.add_option("--test-problems", o->test_problems)->capture_default_str();
               app.add_option("--min-steps", o->task.min_steps, "task difficulty: fewest operations")->capture_default_str();
               app.add_option("--max-steps", o->task.max_steps, "task difficulty: most operations")->capture_default_str();
               app.add_option("--max-operand", o->task.max_operand, "task difficulty: largest amount")
                   ->capture_default_str();
               app.add_option("--sft-max-iters", o->sft_max_iters, "SFT budget (it stops earlier at its plateau)")
                   ->capture_default_str();
               app.add_flag("!--no-progress", o->progress, "no progress bars");
               add_compute_flags(app, *compute);
               return [o, compute, quick] {
                 apply_compute_flags(*compute);
                 o->device = compute_device(*compute).str();
                 o->bf16 = compute->bf16;
                 if (*quick) o->make_quick();
                 pipeline::run_demo(*o);
                 return 0;
               };
             });

}  // namespace
}  // namespace lpo::cli
