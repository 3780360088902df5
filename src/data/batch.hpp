// Collating tokenized pairs into the padded tensors of one micro-batch.
//
// Layout follows the seed (loss_func_xpo chunks the batch in two): rows [0, B) hold
// prompt ⧺ chosen, rows [B, 2B) hold prompt ⧺ rejected, right-padded to the longest row.
#pragma once
#include <ATen/ATen.h>

#include <vector>

#include "data/preference_pair.hpp"

namespace lpo {

struct PairBatch {
  at::Tensor ids;            // [2B, T] int64, pad id 0 after each row's end
  at::Tensor attention_mask; // [2B, T] bool, true on real tokens
  at::Tensor loss_mask;      // [2B, T] bool, true on response tokens (the labels to score)
  at::Tensor ref_logps;      // [2B] float64: reference chosen (first B) then rejected; sum or mean
  int64_t num_pairs = 0;     // B
  int64_t num_tokens = 0;    // real (unpadded) tokens in the batch
};

/// Builds the batch for `pairs`. `is_average` picks the mean (sum / len) reference log-prob
/// instead of the sum, matching --is-average. Throws lpo::Error on an empty prompt or response.
PairBatch collate_pairs(const std::vector<const ScoredPair*>& pairs, bool is_average);

/// Prompt/response examples for SFT and for scoring single sequences: rows are prompt ⧺ response.
struct SequenceBatch {
  at::Tensor ids;             // [R, T] int64
  at::Tensor attention_mask;  // [R, T] bool
  at::Tensor loss_mask;       // [R, T] bool, true on response tokens
  int64_t num_tokens = 0;
};

/// One row per (prompt, response) token pair. Throws lpo::Error on an empty prompt or response.
SequenceBatch collate_sequences(const std::vector<std::pair<const std::vector<int32_t>*,
                                                            const std::vector<int32_t>*>>& rows);

}  // namespace lpo
