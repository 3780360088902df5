// Policy log-probabilities of the response tokens of one micro-batch, from its layout
// (model/sequence_layout.hpp: plain rows, shared prompts, packed rows).
#pragma once
#include <ATen/ATen.h>

#include "model/sequence_layout.hpp"
#include "model/transformer.hpp"

namespace lpo::objectives {

struct ResponseLogps {
  at::Tensor sum;    // [S] float32, nats: summed log-probs of each sequence's response tokens
                     // (LD-weighted with ResponseLogpsOptions::ld_alpha != 1)
  at::Tensor count;  // [S] float32: response tokens per sequence (never padding)
  /// [S] float32, detached, > 0: WPO's weight exp(mean_t(log p_t − log Σ_v p_v²)) of each
  /// sequence (WPO, Zhou et al. 2024, eq. 2, as TRL's DPOTrainer use_weighting); undefined
  /// unless ResponseLogpsOptions::wpo_weights.
  at::Tensor wpo_weight;
  /// [S] sum / count (the seed's --is-average).
  at::Tensor mean() const { return sum / count; }
  /// sum or mean, as --is-average selects.
  at::Tensor select(bool average) const { return average ? mean() : sum; }
};

struct ResponseLogpsOptions {
  /// Layer-wise activation checkpointing (ForwardOptions::recompute_activations).
  bool recompute_activations = false;
  /// Scored tokens per LM-head chunk (token_logprobs_chunked); 0 picks about 16 MB of float32
  /// logits per chunk on the CPU (cache-sized) and 256 MB on a GPU (large GEMMs), at least 64
  /// tokens. The full [tokens, V] logits are never held, in forward or backward.
  int64_t logit_chunk_rows = 0;
  /// Also compute ResponseLogps::wpo_weight: one more LM-head product per chunk, forward only
  /// (log Σ_v p_v² needs every logit of the token, so it is taken chunk by chunk as the log-probs are).
  bool wpo_weights = false;
  /// LD-DPO (Liu et al. 2024; TRL DPOConfig.ld_alpha): slots i and S/2 + i are a pair (chosen,
  /// rejected: collate_pairs' and score_pairs' order); tokens past the shorter response of the
  /// pair count with weight ld_alpha in `sum`. 1: plain sums. Needs an even S.
  double ld_alpha = 1.0;
};

/// Runs the model once over the layout's rows and returns, per output slot S, the summed
/// log p(token | what precedes it in its own sequence) over its response tokens: the label of
/// each scored token is read from the hidden state at (score_row, score_col) through the LM
/// head, a chunk of tokens at a time. Differentiable w.r.t. the model's parameters.
/// Throws lpo::Error when a slot has no response token, or for ld_alpha != 1 with an odd
/// number of slots or a non-finite ld_alpha.
ResponseLogps response_logps(const Transformer& model, const SequenceLayout& layout,
                             const ResponseLogpsOptions& options = {});

}  // namespace lpo::objectives
