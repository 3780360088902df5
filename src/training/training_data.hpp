// Loading and checking what `lpo train` trains on, before any step runs.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "data/pair_source.hpp"
#include "data/sft_examples.hpp"
#include "model/model_config.hpp"
#include "objectives/preference_loss.hpp"

namespace lpo::training {

/// Opens the preference data at `path`: a packed dataset (PREFIX of `lpo build-dataset`, read
/// in place with about `resident_limit_bytes` resident), a scored-pairs JSONL file (read
/// whole), or — when `loss` is given and needs no reference (simpo, cpo, orpo, sft, and lists of
/// them, without --add-sft-loss) — unscored preference pairs JSONL in any format of `lpo
/// ref-logprobs` (tokenized here with the tokenizer in `model_dir`, truncated to `seq_length`,
/// 1024 when 0; the source's scored() is false). Refuses data that does not fit the model: a
/// tokenizer fingerprint other than that of the tokenizer in `model_dir` (when it has one), a
/// --seq-length other than the one scored with (`seq_length` 0 accepts the data's), a token id >=
/// vocab_size, unscored pairs for a loss that needs the reference (or without `loss`), or
/// reference sums taken with another --ld-alpha than `loss->ld_alpha`.
/// Throws lpo::Error saying which check failed and how to fix it.
std::unique_ptr<PairSource> open_pairs_for(const std::string& path, const std::string& model_dir,
                                           const ModelConfig& config, int64_t seq_length,
                                           const objectives::LossConfig* loss = nullptr,
                                           size_t resident_limit_bytes = size_t{64} << 20);

/// Reads SFT examples (prompt/response or question/answer JSONL) and tokenizes them with the
/// tokenizer in `model_dir`. Throws lpo::Error when there is no tokenizer or no usable example.
std::vector<SftTokens> load_sft_examples_for(const std::string& path, const std::string& model_dir,
                                             int64_t seq_length, bool skip_bad_lines);

}  // namespace lpo::training
