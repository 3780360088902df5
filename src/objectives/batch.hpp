// Collating tokenized pairs and prompt/response examples into the layout of one micro-batch.
//
// Output slots follow the seed (loss_func_xpo chunks the batch in two): slots [0, B) are the
// chosen responses, [B, 2B) the rejected ones, whatever the row layout (model/sequence_layout.hpp).
#pragma once
#include <ATen/ATen.h>

#include <utility>
#include <vector>

#include "data/preference_pair.hpp"
#include "model/sequence_layout.hpp"

namespace lpo {

struct PairBatch {
  SequenceLayout layout;  // slots: chosen (first B) then rejected
  at::Tensor ref_logps;   // [2B] float64: reference chosen (first B) then rejected; sum or mean
  int64_t num_pairs = 0;  // B
};

/// Builds the batch for `pairs`. `is_average` picks the mean (sum / len) reference log-prob
/// instead of the sum, matching --is-average. Throws lpo::Error on an empty prompt or response.
PairBatch collate_pairs(const std::vector<const ScoredPair*>& pairs, bool is_average,
                        const LayoutOptions& layout = {});

/// (prompt, response) rows for SFT and for scoring single sequences; slot i = rows[i].
/// Throws lpo::Error on an empty prompt or response.
SequenceLayout collate_sequences(
    const std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>>& rows,
    const LayoutOptions& layout = {false, false});

}  // namespace lpo
