// `lpo select-pairs`: sampled candidates -> preference pairs (gold answer chosen, wrong or
// every sample rejected). Rules: pipeline/select_pairs.hpp, docs/select-pairs.md.
#include "cli/command.hpp"
#include "pipeline/select_pairs.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  std::string task = "gsm8k", data, out;
  bool skip_bad_lines = false;
};

Register reg("select-pairs", "build chosen/rejected pairs from sampled candidates (gsm8k verifier or reference)",
             [](CLI::App& app) -> Runner {
               auto f = std::make_shared<Flags>();
               app.add_option("--task", f->task,
                              "gsm8k: reject candidates whose answer differs from the gold '#### N'; "
                              "reference: reject every candidate")
                   ->capture_default_str();
               app.add_option("--data", f->data, "candidates JSONL (.gz ok): model_input, better_context, candidate_set")
                   ->required();
               app.add_option("--out", f->out, "pairs JSONL to write (and <out>.summary.json)")->required();
               app.add_flag("--skip-bad-lines", f->skip_bad_lines, "skip and count bad lines instead of failing");
               return [f] {
                 pipeline::SelectOptions options{pipeline::parse_pair_task(f->task), f->skip_bad_lines};
                 pipeline::select_pairs(f->data, f->out, options);
                 return 0;
               };
             });

}  // namespace
}  // namespace lpo::cli
