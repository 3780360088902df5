// `lpo ref-logprobs`: read preference pairs, tokenize them with the reference model's
// tokenizer, score chosen and rejected once, write the scored-pairs file training reads.
#include <cstdlib>
#include <iostream>

#include "cli/command.hpp"
#include "cli/local_launch.hpp"
#include "cli/rank_shards.hpp"
#include "data/encode_pairs.hpp"
#include "data/pair_reader.hpp"
#include "data/scored_pairs.hpp"
#include "model/runtime.hpp"
#include "pipeline/ref_logprobs.hpp"
#include "pipeline/shards.hpp"
#include "tokenizer/tokenizer.hpp"
#include "util/log.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  ComputeFlags compute;
  std::string model, data, out, format = "auto", chat = "plain";
  int seq_length = 1024;
  int64_t batch_size = 8;
  bool skip_bad_lines = false;
  std::string shard = "0/1";
  int nproc_per_node = 1, dist_timeout_s = 600;
  double ld_alpha = 1.0;
};


void score_shard(const Flags& f, int shard_index, int shard_count, const std::string& out) {
  auto tokenizer = load_tokenizer(f.model);
  ReadOptions read_options{parse_pair_format(f.format), parse_chat_format(f.chat), f.skip_bad_lines};
  ReadReport read_report;
  auto pairs = read_pairs(f.data, read_options, &read_report);
  log::info(f.data, ": ", describe(read_report));
  const int64_t total = static_cast<int64_t>(pairs.size());
  const auto range = pipeline::shard_range(total, f.batch_size, shard_index, shard_count);
  if (shard_count > 1) {
    pairs = std::vector<PreferencePair>(pairs.begin() + range.begin, pairs.begin() + range.end);
    log::info("shard ", shard_index, "/", shard_count, ": input pairs [", range.begin, ", ", range.end, ") of ", total);
  }
  EncodeOptions encode_options;
  encode_options.seq_length = f.seq_length;
  EncodeReport encode_report;
  auto tokens = encode_pairs(pairs, *tokenizer, encode_options, &encode_report);
  log::info(describe(encode_report));
  Transformer reference = load_model(f.model, compute_device(f.compute), compute_dtype(f.compute));
  auto scored = pipeline::score_pairs(reference, tokens, {f.batch_size, true, f.ld_alpha});
  ScoredPairsHeader header{tokenizer->fingerprint(), f.seq_length, f.model, shard_index, shard_count,
                           range.begin, range.end, total, f.ld_alpha};
  write_scored_pairs(out, header, scored);
  log::info("wrote ", scored.size(), " scored pairs to ", out);
}

int run(const Flags& f) {
  if (f.nproc_per_node > 1 && !std::getenv("WORLD_SIZE")) return launch_local_workers(f.nproc_per_node, 10);
  apply_compute_flags(f.compute);
  run_rank_shards(f.shard, f.out, f.dist_timeout_s,
                  [&](int index, int count, const std::string& out) { score_shard(f, index, count, out); });
  return 0;
}

Register reg("ref-logprobs", "score chosen/rejected responses once with the reference model",
             [](CLI::App& app) -> Runner {
               auto f = std::make_shared<Flags>();
               app.add_option("--model", f->model, "reference model directory (with its tokenizer)")->required();
               app.add_option("--data", f->data, "preference pairs JSONL (.gz ok)")->required();
               app.add_option("--out", f->out, "scored pairs JSONL to write")->required();
               app.add_option("--format", f->format,
                              "auto|prompt-chosen-rejected|messages|hh-rlhf|candidates|ids")
                   ->capture_default_str();
               app.add_option("--chat-format", f->chat, "plain|chatml: how message prompts become text")
                   ->capture_default_str();
               app.add_option("--seq-length", f->seq_length, "max tokens of prompt + response")
                   ->capture_default_str();
               app.add_option("--batch-size", f->batch_size, "pairs per forward pass")->capture_default_str();
               app.add_option("--ld-alpha", f->ld_alpha,
                              "LD-DPO: weight of the tokens past the pair's shorter response in the sums "
                              "(train with the same --ld-alpha)")
                   ->check(CLI::Range(0.0, 1.0))->capture_default_str();
               app.add_flag("--skip-bad-lines", f->skip_bad_lines, "skip and count bad lines instead of failing");
               app.add_option("--shard", f->shard,
                              "I/N: score the I-th of N contiguous runs of whole batches (join with `lpo merge`)")
                   ->capture_default_str();
               app.add_option("--nproc-per-node", f->nproc_per_node,
                              "start N local ranks, each scoring a shard; rank 0 merges")
                   ->check(CLI::Range(1, 1024))->capture_default_str();
               app.add_option("--dist-timeout", f->dist_timeout_s, "seconds ranks wait for each other")
                   ->capture_default_str();
               add_compute_flags(app, f->compute);
               return [f] { return run(*f); };
             });

}  // namespace
}  // namespace lpo::cli
