// Batched autoregressive decoding with a KV cache.
#pragma once
#include <cstdint>
#include <vector>

#include "model/transformer.hpp"

namespace lpo {

struct GenerateOptions {
  int max_new_tokens = 64;
  double temperature = 0.0;  // 0: greedy
  double top_p = 1.0;
  int top_k = 0;             // 0: no limit
  uint64_t seed = 0;         // one sampler for the whole call: same inputs + seed -> same output
  std::vector<int32_t> stop_ids;    // a row ends after drawing one of these
  bool include_stop_token = false;  // whether the drawn stop id ends up in the row's output
  int batch_size = 8;               // prompts decoded together
  bool use_cache = true;            // false: recompute the whole prefix every step (for checks)
};

/// New token ids for each prompt (same order), at most max_new_tokens each, decoded under
/// no-grad with the model's device and dtype.
///
/// Prompts are taken batch_size at a time, left-padded (padding masked out, positions counted
/// per row from each prompt's first token), so rows of different lengths decode together and
/// get exactly the ids they would get alone (greedy). Rows that finish are dropped from the
/// batch and its cache.
///
/// Cost per new token, with the cache: one T=1 forward pass, ~2·P multiply-adds (P = parameters
/// incl. the head) plus attention over the S cached positions, O(layers·S·hidden); without the
/// cache: a forward pass over all S positions, O(S·P + layers·S²·hidden).
///
/// Throws lpo::Error for an empty prompt, ids outside the vocabulary, max_new_tokens < 0,
/// batch_size < 1 or invalid sampling options.
std::vector<std::vector<int32_t>> generate(const Transformer& model, const std::vector<std::vector<int32_t>>& prompts,
                                           const GenerateOptions& options);

}  // namespace lpo
