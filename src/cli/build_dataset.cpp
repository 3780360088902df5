// `lpo build-dataset`: scored pairs (or the shards of a sharded `ref-logprobs`) -> the packed
// memory-mapped dataset `lpo train --data-path PREFIX` reads. Format: docs/formats.md.
#include <cmath>

#include "cli/command.hpp"
#include "pipeline/build_dataset.hpp"
#include "util/log.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  std::vector<std::string> data;
  std::string prefix;
  pipeline::BuildOptions options;
  bool no_shuffle = false;
};

Register reg("build-dataset", "pack scored pairs into a memory-mapped indexed dataset (Megatron .bin/.idx)",
             [](CLI::App& app) -> Runner {
               auto f = std::make_shared<Flags>();
               auto& o = f->options;
               app.add_option("--data", f->data, "scored pairs JSONL from `lpo ref-logprobs` (several: shards or parts)")
                   ->required();
               app.add_option("--out", f->prefix, "output PREFIX: writes PREFIX.bin, .idx, .ref.bin, .lpo.json")
                   ->required();
               app.add_option("--max-ref-gap", o.max_ref_gap,
                              "drop pairs whose reference mean log-prob gap chosen - rejected exceeds this (inf: keep all)")
                   ->capture_default_str();
               app.add_option("--seq-length", o.seq_length, "drop pairs longer than this (0: the data's seq_length)")
                   ->capture_default_str();
               app.add_option("--seed", o.seed, "shuffle seed")->capture_default_str();
               app.add_flag("--no-shuffle", f->no_shuffle, "keep input order");
               return [f] {
                 f->options.shuffle = !f->no_shuffle;
                 auto report = pipeline::build_dataset(f->data, f->prefix, f->options);
                 log::info(pipeline::describe(report, f->options));
                 log::info("wrote ", f->prefix, ".{bin,idx,ref.bin,lpo.json}");
                 return 0;
               };
             });

}  // namespace
}  // namespace lpo::cli
