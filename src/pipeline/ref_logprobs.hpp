// Reference log-probs: score every chosen and rejected response once with the reference
// model, so training holds a single model (the seed precomputes these the same way).
#pragma once
#include <vector>

#include "data/preference_pair.hpp"
#include "model/transformer.hpp"

namespace lpo::pipeline {

struct ScoreOptions {
  int64_t batch_size = 8;  // pairs per forward pass (2 rows each)
  bool progress = true;    // progress bar on a terminal
  double ld_alpha = 1.0;   // LD-DPO: weight of tokens past the pair's shorter response (1: plain sums)
};

/// Summed log-probs (nats; LD-weighted with options.ld_alpha != 1) and token counts of each pair's chosen and rejected response under
/// `reference`, in input order. No gradients. Throws lpo::Error on an empty prompt/response.
std::vector<ScoredPair> score_pairs(const Transformer& reference, const std::vector<PairTokens>& pairs,
                                    const ScoreOptions& options = {});

}  // namespace lpo::pipeline
