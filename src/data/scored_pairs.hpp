// The scored-pairs file written by `lpo ref-logprobs` and read by `lpo build-dataset` / training:
// JSONL (plain or .gz), one header line, then one line per pair.
//
//   {"lpo_scored_pairs":1,"tokenizer_fingerprint":"…","seq_length":1024,"model":"…"}
//   (+ "shard_index":I,"shard_count":N,"shard_begin":B,"shard_end":E,"shard_total":T when written by `ref-logprobs --shard I/N`)
//   {"prompt_ids":[..],"chosen_ids":[..],"rejected_ids":[..],
//    "ref_chosen_logps_sum":-12.5,"ref_rejected_logps_sum":-20.25,"ref_chosen_len":7,"ref_rejected_len":9}
//   KTO data (header "kto":true): chosen = the completion, rejected = its KL completion
//   (data/kto_examples.hpp), and each line has "label": true|false.
//
// Log-probs are the reference model's summed log-probabilities of the response tokens (nats);
// lens are the response token counts (= chosen_ids / rejected_ids sizes). Means are sum / len,
// so the file serves both the summed and the averaged (--is-average) objectives.
#pragma once
#include <string>
#include <vector>

#include "data/preference_pair.hpp"

namespace lpo {

struct ScoredPairsHeader {
  static constexpr int kVersion = 1;
  std::string tokenizer_fingerprint;  // Tokenizer::fingerprint() of the tokenizer that made the ids
  int seq_length = 0;                 // the --seq-length the pairs were truncated to (tokens)
  std::string model;                  // the reference model (path or name), for the record
  // `ref-logprobs --shard I/N`: this file holds a contiguous, batch-aligned range of the
  // shard_total input pairs (pipeline/shards.hpp); 0/1 for a whole run.
  int shard_index = 0, shard_count = 1;
  int64_t shard_begin = 0, shard_end = 0, shard_total = 0;  // input pairs [begin, end) of total
  // `ref-logprobs --ld-alpha A` (LD-DPO): the sums weight tokens past the pair's shorter response
  // by A; 1 (the default, and what a header without the field means): plain sums.
  double ld_alpha = 1.0;
  bool kto = false;  // unpaired KTO examples (see above), each with its label
};

struct ScoredPairsFile {
  ScoredPairsHeader header;
  std::vector<ScoredPair> pairs;
};

/// Writes the header and one line per pair, atomically (readers see the old or the whole new
/// file). Doubles are written with round-trip precision. Throws lpo::Error for a non-finite
/// log-prob, a negative length, or a length that differs from its response's id count
/// (naming the pair's index), and on I/O failure.
void write_scored_pairs(const std::string& path, const ScoredPairsHeader& header,
                        const std::vector<ScoredPair>& pairs);

/// Whether `path` (plain or gzip) starts with a scored-pairs header line (its first non-blank
/// line is a JSON object with "lpo_scored_pairs"). Throws lpo::Error when it cannot be opened.
bool is_scored_pairs_file(const std::string& path);

/// Reads a scored-pairs file (plain or gzip). Blank lines are ignored.
/// Throws lpo::Error "path:line: ..." for: a missing or unknown-version header, invalid JSON, a
/// missing field (a pair without its reference log-probs is an error, never a default of 0), a
/// wrong type, a negative token id, a non-finite log-prob, or a length that differs from the
/// response's id count.
ScoredPairsFile read_scored_pairs(const std::string& path);

}  // namespace lpo
