// Policy log-probabilities of the response tokens of a batch of prompt ⧺ response rows.
#pragma once
#include <ATen/ATen.h>

#include "model/transformer.hpp"

namespace lpo::objectives {

struct ResponseLogps {
  at::Tensor sum;    // [R] float32, nats: summed log-probs of each row's response tokens
  at::Tensor count;  // [R] float32: response tokens per row (never padding)
  /// [R] sum / count (the seed's --is-average).
  at::Tensor mean() const { return sum / count; }
  /// sum or mean, as --is-average selects.
  at::Tensor select(bool average) const { return average ? mean() : sum; }
};

/// Runs the model on ids [R, T] (int64) with attention_mask [R, T] (bool, real tokens) and
/// returns log p(token_t | tokens_<t) summed over positions where loss_mask [R, T] is true.
/// The log-prob of token t comes from the logits at t-1, so loss_mask[:, 0] must be false.
/// Only response positions go through the LM head (no [R, T, V] logits are formed).
/// Differentiable w.r.t. the model's parameters. Throws lpo::Error for a row with no response.
ResponseLogps response_logps(const Transformer& model, const at::Tensor& ids,
                             const at::Tensor& attention_mask, const at::Tensor& loss_mask);

}  // namespace lpo::objectives
