// `lpo ref-logprobs`: read preference pairs, tokenize them with the reference model's
// tokenizer, score chosen and rejected once, write the scored-pairs file training reads.
#include <cstdlib>
#include <iostream>

#include "cli/adapter_flag.hpp"
#include "cli/command.hpp"
#include "cli/local_launch.hpp"
#include "cli/rank_shards.hpp"
#include "data/encode_pairs.hpp"
#include "data/kto_examples.hpp"
#include "data/pair_reader.hpp"
#include "data/scored_pairs.hpp"
#include "model/runtime.hpp"
#include "pipeline/ref_logprobs.hpp"
#include "pipeline/shards.hpp"
#include "tokenizer/tokenizer.hpp"
#include "util/log.hpp"
#include "util/stop_signal.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  ComputeFlags compute;
  std::string model, data, out, format = "auto", chat = "auto";
  std::string adapter;
  int seq_length = 1024;
  int64_t batch_size = 8;
  bool skip_bad_lines = false;
  std::string shard = "0/1";
  int nproc_per_node = 1, dist_timeout_s = 600;
  double ld_alpha = 1.0;
  int64_t kl_batch_size = 8;
};

/// KTO examples, encoded with their KL completions (data/kto_examples.hpp), and their labels.
KtoTokens read_kto(const Flags& f, const Tokenizer& tokenizer, const EncodeOptions& encode, EncodeReport* report) {
  auto examples = read_kto_examples(f.data);
  log::info(f.data, ": ", examples.size(), " KTO examples; KL completions paired within chunks of ", f.kl_batch_size);
  return encode_kto_examples(examples, tokenizer, encode, f.kl_batch_size, report);
}

void score_shard(const Flags& f, int shard_index, int shard_count, const std::string& out) {
  auto tokenizer = load_tokenizer(f.model);
  EncodeOptions encode_options;
  encode_options.seq_length = f.seq_length;
  EncodeReport encode_report;
  const bool kto = is_kto_file(f.data);
  std::vector<PairTokens> tokens;
  std::vector<bool> labels;
  int64_t total = 0;
  pipeline::ShardRange range{};
  if (kto) {  // the KL pairing needs the whole file: shards split the encoded examples
    KtoTokens kt = read_kto(f, *tokenizer, encode_options, &encode_report);
    total = static_cast<int64_t>(kt.pairs.size());
    range = pipeline::shard_range(total, f.batch_size, shard_index, shard_count);
    tokens.assign(kt.pairs.begin() + range.begin, kt.pairs.begin() + range.end);
    labels.assign(kt.desirable.begin() + range.begin, kt.desirable.begin() + range.end);
  } else {
    ReadOptions read_options{parse_pair_format(f.format), resolve_chat_format(f.chat, f.model), f.skip_bad_lines};
    ReadReport read_report;
    auto pairs = read_pairs(f.data, read_options, &read_report);
    log::info(f.data, ": ", describe(read_report));
    total = static_cast<int64_t>(pairs.size());
    range = pipeline::shard_range(total, f.batch_size, shard_index, shard_count);
    if (shard_count > 1)
      pairs = std::vector<PreferencePair>(pairs.begin() + range.begin, pairs.begin() + range.end);
    tokens = encode_pairs(pairs, *tokenizer, encode_options, &encode_report);
  }
  if (shard_count > 1)
    log::info("shard ", shard_index, "/", shard_count, ": input ", kto ? "examples" : "pairs", " [", range.begin, ", ",
              range.end, ") of ", total);
  log::info(describe(encode_report));
  Transformer reference = load_model_with_adapter(f.model, f.adapter, compute_device(f.compute), compute_dtype(f.compute));
  auto scored = pipeline::score_pairs(reference, tokens, {f.batch_size, true, f.ld_alpha});
  for (size_t k = 0; k < labels.size(); ++k) scored[k].desirable = labels[k];
  ScoredPairsHeader header{tokenizer->fingerprint(), f.seq_length, f.model, shard_index, shard_count,
                           range.begin, range.end, total, f.ld_alpha, kto};
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
               add_adapter_flag(app, f->adapter);
               app.add_option("--data", f->data,
                              "preference pairs JSONL (.gz ok), or unpaired KTO examples {prompt, completion, label}")
                   ->required();
               app.add_option("--kl-batch-size", f->kl_batch_size,
                              "KTO: consecutive examples per chunk in which each takes the previous one's completion "
                              "for the KL estimate (TRL: per_device_train_batch_size)")
                   ->check(CLI::PositiveNumber)->capture_default_str();
               app.add_option("--out", f->out, "scored pairs JSONL to write")->required();
               app.add_option("--format", f->format,
                              "auto|prompt-chosen-rejected|messages|hh-rlhf|candidates|ids")
                   ->capture_default_str();
               app.add_option("--chat-format", f->chat, "auto|template|plain|chatml: how message lists become text (auto: the model's chat template when it has one, else plain)")
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
               return [f] {
                 StopSignal stop;  // the first SIGTERM/SIGINT ends the run at a batch boundary, writing nothing
                 return run(*f);
               };
             });

}  // namespace
}  // namespace lpo::cli
