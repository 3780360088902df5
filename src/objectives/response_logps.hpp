// Policy log-probabilities of the response tokens of one micro-batch, from its layout
// (model/sequence_layout.hpp: plain rows, shared prompts, packed rows).
#pragma once
#include <ATen/ATen.h>

#include "model/sequence_layout.hpp"
#include "model/transformer.hpp"

namespace lpo::objectives {

struct ResponseLogps {
  at::Tensor sum;    // [S] float32, nats: summed log-probs of each sequence's response tokens
  at::Tensor count;  // [S] float32: response tokens per sequence (never padding)
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
};

/// Runs the model once over the layout's rows and returns, per output slot S, the summed
/// log p(token | what precedes it in its own sequence) over its response tokens: the label of
/// each scored token is read from the hidden state at (score_row, score_col) through the LM
/// head, a chunk of tokens at a time. Differentiable w.r.t. the model's parameters.
/// Throws lpo::Error when a slot has no response token.
ResponseLogps response_logps(const Transformer& model, const SequenceLayout& layout,
                             const ResponseLogpsOptions& options = {});

}  // namespace lpo::objectives
