// `lpo merge`: joins the outputs of `lpo sample --shard I/N` or `lpo ref-logprobs --shard I/N`
// into the file an unsharded run writes.
#include "cli/command.hpp"
#include "pipeline/shards.hpp"
#include "util/log.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  std::vector<std::string> shards;
  std::string out;
};

Register reg("merge", "join shard outputs of sample / ref-logprobs into input order", [](CLI::App& app) -> Runner {
  auto f = std::make_shared<Flags>();
  app.add_option("shards", f->shards,
                 "shard files: scored pairs in any order; sampled candidates in shard order 0..N-1")
      ->required();
  app.add_option("--out", f->out, "merged file to write")->required();
  return [f] {
    const long n = pipeline::merge_shard_files(f->shards, f->out);
    log::info("merged ", f->shards.size(), " shards: ", n, " lines to ", f->out);
    return 0;
  };
});

}  // namespace
}  // namespace lpo::cli
