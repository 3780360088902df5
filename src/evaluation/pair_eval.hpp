// Held-out preference evaluation: how the policy's implicit reward ranks chosen vs rejected.
#pragma once
#include <vector>

#include "data/pair_source.hpp"
#include "model/transformer.hpp"
#include "objectives/preference_loss.hpp"

namespace lpo::evaluation {

struct PairEval {
  int64_t pairs = 0;
  double loss = 0;            // mean preference loss (config's type) over the pairs
  double accuracy = 0;        // fraction with reward(chosen) > reward(rejected)
  double margin = 0;          // mean of β·(x1 − x2), x = policy − reference logps
  double chosen_logps = 0;    // mean policy logps of chosen (sum or mean per is_average)
  double rejected_logps = 0;  // same for rejected
  double chosen_delta = 0;    // mean policy − reference, chosen (nats)
  double rejected_delta = 0;  // mean policy − reference, rejected (nats)
};

/// Scores every pair with `policy` (no gradients) and compares with its stored reference
/// log-probs, using `loss.beta`, `loss.is_average` and `loss.type` for the loss column.
PairEval evaluate_pairs(const Transformer& policy, const PairSource& pairs,
                        const objectives::LossConfig& loss, int64_t batch_size = 16);

}  // namespace lpo::evaluation
