// Log-probabilities a model assigns to token sequences (teacher forcing).
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "model/transformer.hpp"

namespace lpo {

struct SequenceScore {
  double sum_logprob = 0;   // nats: sum over i >= 1 of log p(ids[i] | ids[:i])
  int64_t num_tokens = 0;   // len(ids) - 1
  std::vector<std::pair<int32_t, float>> last_top;  // the last position's best (id, logit), best first
};

/// Scores each sequence (each needs >= 1 id), `batch_size` at a time with right padding, under
/// no-grad; log-softmax in float32, sums in float64. `top` = how many of the last position's
/// logits to report. Throws lpo::Error for an empty sequence or ids outside the vocabulary.
std::vector<SequenceScore> score_sequences(const Transformer& model, const std::vector<std::vector<int32_t>>& seqs,
                                           int batch_size = 8, int top = 5);

}  // namespace lpo
