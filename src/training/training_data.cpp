#include "training/training_data.hpp"

#include <filesystem>

#include "data/pair_dataset.hpp"
#include "data/scored_pairs.hpp"
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
                                           size_t resident_limit_bytes) {
  if (is_pair_dataset(path)) {
    auto dataset = std::make_unique<PairDataset>(path, resident_limit_bytes);
    const PairDatasetInfo& info = dataset->info();
    check_header(info.header, path, model_dir, seq_length);
    check(info.num_pairs > 0, path, " holds no pairs");
    // Ids were range-checked when the dataset was built; its largest id must fit this model.
    check(info.max_token_id < config.vocab_size, path, " holds token id ", info.max_token_id,
          " outside the model's vocabulary [0, ", config.vocab_size, ")");
    log::info(path, ": packed dataset, ", info.num_pairs, " pairs (", info.token_dtype, " tokens, read in place)");
    return dataset;
  }
  ScoredPairsFile file = read_scored_pairs(path);
  check_header(file.header, path, model_dir, seq_length);
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
