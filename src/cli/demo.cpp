// `lpo demo`: the embedded default (see pipeline/demo.hpp); `make demo` runs it.
#include "cli/command.hpp"
#include "pipeline/demo.hpp"

namespace lpo::cli {
namespace {

Register reg("demo", "run the whole LPO job on generated arithmetic preference data", [](CLI::App& app) -> Runner {
  auto o = std::make_shared<pipeline::DemoOptions>();
  auto compute = std::make_shared<ComputeFlags>();
  app.add_option("--out", o->out_dir, "work directory")->capture_default_str();
  app.add_option("--train-pairs", o->train_pairs)->capture_default_str();
  app.add_option("--eval-pairs", o->eval_pairs)->capture_default_str();
  app.add_option("--train-iters", o->train_iters)->capture_default_str();
  app.add_option("--lr", o->lr, "LPO learning rate")->capture_default_str();
  app.add_option("--sft-iters", o->sft_iters)->capture_default_str();
  app.add_option("--sft-lr", o->sft_lr)->capture_default_str();
  app.add_option("--seed", o->seed)->capture_default_str();
  app.add_flag("!--no-progress", o->progress, "no progress bars");
  add_compute_flags(app, *compute);
  return [o, compute] {
    apply_compute_flags(*compute);
    pipeline::run_demo(*o);
    return 0;
  };
});

}  // namespace
}  // namespace lpo::cli
