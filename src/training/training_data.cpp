#include "training/training_data.hpp"

#include <filesystem>

#include "data/encode_pairs.hpp"
#include "data/pair_dataset.hpp"
#include "data/pair_reader.hpp"
#include "data/scored_pairs.hpp"
#include "objectives/registry.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace lpo::training {
namespace {

bool has_tokenizer(const std::string& dir) {
  namespace fs = std::filesystem;
  return fs::exists(fs::path(dir) / "tokenizer.json") || fs::exists(fs::path(dir) / "tokenizer.model");
}

void check_ids(const std::vector<int32_t>& ids, int64_t vocab, const std::string& path, size_t index,
               const char* field) {
  for (int32_t id : ids)
    check(id >= 0 && id < vocab, path, ": pair ", index + 1, " field '", field, "' holds token id ", id,
          " outside the model's vocabulary [0, ", vocab, ")");
}

/// Scored data must hold the reference sums the loss expects: taken with its --ld-alpha; KTO
/// data (labelled completions) goes with --loss-type kto and nothing else.
void check_reference(const ScoredPairsHeader& header, const std::string& path, const objectives::LossConfig* loss) {
  if (!loss) return;
  const bool kto = loss->type == "kto";
  check(header.kto == kto, path, header.kto ? " holds unpaired KTO examples; train them with --loss-type kto"
                                            : " holds preference pairs; --loss-type kto needs unpaired KTO examples "
                                              "({\"prompt\", \"completion\", \"label\"} lines, scored with `lpo ref-logprobs`)");
  if (!(objectives::needs_reference(loss->type) || loss->add_sft_loss)) return;
  check(header.ld_alpha == loss->ld_alpha, path, " holds reference log-probs summed with --ld-alpha ", header.ld_alpha,
        " but training has --ld-alpha ", loss->ld_alpha, "; rerun `lpo ref-logprobs --ld-alpha ", loss->ld_alpha, "`");
}

/// Unscored preference pairs (any `lpo ref-logprobs` input format), tokenized with the model's
/// tokenizer, for a reference-free loss.
std::unique_ptr<PairSource> open_unscored_pairs(const std::string& path, const std::string& model_dir,
                                                const ModelConfig& config, int64_t seq_length,
                                                const objectives::LossConfig* loss) {
  check(loss != nullptr, path, " is not a scored-pairs file (no {\"lpo_scored_pairs\":1,...} header): score it with "
        "`lpo ref-logprobs` first");
  check(!objectives::needs_reference(loss->type) && !loss->add_sft_loss, path,
        " holds unscored pairs (no reference log-probs), and --loss-type ", loss->type,
        loss->add_sft_loss ? " with --add-sft-loss" : "", " needs them: run `lpo ref-logprobs --model ", model_dir,
        " --data ", path, " --out scored.jsonl` and train on scored.jsonl, or pick a reference-free loss "
        "(simpo, cpo, orpo, sft)");
  check(has_tokenizer(model_dir), "training on unscored pairs tokenizes them: ", model_dir, " has no tokenizer");
  auto tokenizer = load_tokenizer(model_dir);
  ReadReport read_report;
  ReadOptions read_options;
  read_options.chat = resolve_chat_format("auto", model_dir);  // as ref-logprobs would: the model's template
  auto texts = read_pairs(path, read_options, &read_report);
  EncodeOptions encode;
  encode.seq_length = static_cast<int>(seq_length ? seq_length : 1024);
  EncodeReport encode_report;
  auto tokens = encode_pairs(texts, *tokenizer, encode, &encode_report);
  log::info(path, ": unscored pairs, ", describe(read_report), "; ", describe(encode_report));
  check(!tokens.empty(), path, " holds no usable pair");
  std::vector<ScoredPair> pairs;
  pairs.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    check_ids(tokens[i].prompt, config.vocab_size, path, i, "prompt");
    check_ids(tokens[i].chosen, config.vocab_size, path, i, "chosen");
    check_ids(tokens[i].rejected, config.vocab_size, path, i, "rejected");
    ScoredPair p{std::move(tokens[i]), {}};
    p.reference.chosen_len = static_cast<int32_t>(p.tokens.chosen.size());
    p.reference.rejected_len = static_cast<int32_t>(p.tokens.rejected.size());
    pairs.push_back(std::move(p));
  }
  return std::make_unique<VectorPairSource>(std::move(pairs), /*scored=*/false);
}

void check_header(const ScoredPairsHeader& header, const std::string& path, const std::string& model_dir,
                  int64_t seq_length) {
  if (has_tokenizer(model_dir)) {
    const std::string fp = load_tokenizer(model_dir)->fingerprint();
    check(header.tokenizer_fingerprint == fp, path, " was tokenized with a different tokenizer (fingerprint ",
          header.tokenizer_fingerprint, ") than the one in ", model_dir, " (", fp,
          "); rerun `lpo ref-logprobs --model ", model_dir, "`");
  }
  check(seq_length == 0 || seq_length == header.seq_length, path, " was built with --seq-length ",
        header.seq_length, " but training has --seq-length ", seq_length,
        "; pass the same value or rerun `lpo ref-logprobs`");
}

}  // namespace

std::unique_ptr<PairSource> open_pairs_for(const std::string& path, const std::string& model_dir,
                                           const ModelConfig& config, int64_t seq_length,
                                           const objectives::LossConfig* loss, size_t resident_limit_bytes) {
  if (is_pair_dataset(path)) {
    auto dataset = std::make_unique<PairDataset>(path, resident_limit_bytes);
    const PairDatasetInfo& info = dataset->info();
    check_header(info.header, path, model_dir, seq_length);
    check_reference(info.header, path, loss);
    check(info.num_pairs > 0, path, " holds no pairs");
    // Ids were range-checked when the dataset was built; its largest id must fit this model.
    check(info.max_token_id < config.vocab_size, path, " holds token id ", info.max_token_id,
          " outside the model's vocabulary [0, ", config.vocab_size, ")");
    log::info(path, ": packed dataset, ", info.num_pairs, " pairs (", info.token_dtype, " tokens, read in place)");
    return dataset;
  }
  if (!is_scored_pairs_file(path)) return open_unscored_pairs(path, model_dir, config, seq_length, loss);
  ScoredPairsFile file = read_scored_pairs(path);
  check_header(file.header, path, model_dir, seq_length);
  check_reference(file.header, path, loss);
  check(!file.pairs.empty(), path, " holds no pairs");
  for (size_t i = 0; i < file.pairs.size(); ++i) {
    const PairTokens& t = file.pairs[i].tokens;
    check_ids(t.prompt, config.vocab_size, path, i, "prompt_ids");
    check_ids(t.chosen, config.vocab_size, path, i, "chosen_ids");
    check_ids(t.rejected, config.vocab_size, path, i, "rejected_ids");
  }
  return std::make_unique<VectorPairSource>(std::move(file.pairs));
}

std::vector<SftTokens> load_sft_examples_for(const std::string& path, const std::string& model_dir,
                                             int64_t seq_length, bool skip_bad_lines) {
  check(has_tokenizer(model_dir), "--train-mode sft needs a tokenizer in ", model_dir);
  auto tokenizer = load_tokenizer(model_dir);
  long skipped = 0, dropped = 0;
  auto texts = read_sft_examples(path, skip_bad_lines, &skipped);
  auto examples = encode_sft_examples(texts, *tokenizer, static_cast<int>(seq_length ? seq_length : 1024), &dropped);
  log::info(path, ": ", texts.size(), " examples read, ", skipped, " bad lines skipped, ", dropped,
            " dropped after truncation, ", examples.size(), " used");
  check(!examples.empty(), path, " holds no usable SFT example");
  return examples;
}

}  // namespace lpo::training
