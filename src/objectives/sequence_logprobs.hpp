// Log-probabilities of label tokens under a causal LM, and their per-sequence
// reductions (sum or mean over response tokens; seed: the policy_logprobs lines of
// loss_func_xpo, IDEA-Emdoor-Lab/LPO examples/qwen2/pretrain_qwen.py).
#pragma once
#include <ATen/ATen.h>

#include <cstdint>

namespace lpo::objectives {

/// Label value that marks a position without a target (prompt, padding): its
/// log-prob is 0 and it gets no gradient. Masks decide what counts; this only keeps
/// gather in range.
constexpr int64_t kIgnoreLabel = -100;

/// Next-token labels for a causal LM: labels[:, t] = tokens[:, t + 1], and the last
/// position, which predicts nothing, is kIgnoreLabel. tokens: [B, T] int64 -> [B, T]
/// int64. Throws lpo::Error unless tokens is 2-D integer.
at::Tensor next_token_labels(const at::Tensor& tokens);

/// log p(labels[b, t] | logits[b, t]) in nats: the label at t is scored by the logits
/// at t (no shift inside: build labels with next_token_labels). logits: [B, T, V]
/// float (any float dtype; math in float32, or float64 when logits are float64);
/// labels: [B, T] int64 in [0, V) or kIgnoreLabel (-> 0). Returns [B, T] float32
/// (float64 for float64 logits), differentiable w.r.t. logits. Throws lpo::Error on
/// shape mismatch, non-integer labels or labels out of range.
at::Tensor token_logprobs(const at::Tensor& logits, const at::Tensor& labels);

/// The same numbers from final hidden states and the LM head without ever holding
/// the full [N, V] logits: rows are processed `chunk_rows` at a time, forward and
/// again in backward (recomputation). The LM-head products run in float32, or in bfloat16 /
/// float16 when hidden is (as bf16 trainers compute logits); log-sum-exp, softmax and the
/// result are always float32. hidden: [N, H]; head_weight:
/// [V, H] (logits = hidden · head_weightᵀ); labels: [N] int64 in [0, V) or
/// kIgnoreLabel. Returns [N] float32, differentiable (first order) w.r.t. hidden and
/// head_weight; gradients come back in their dtypes. Peak extra memory is about
/// chunk_rows × V floats. With softcap > 0 the logits are softcap·tanh(h·Wᵀ / softcap)
/// (Gemma's final_logit_softcapping). Throws lpo::Error on bad shapes, labels, chunk_rows < 1
/// or a negative softcap.
at::Tensor token_logprobs_chunked(const at::Tensor& hidden, const at::Tensor& head_weight,
                                  const at::Tensor& labels, int64_t chunk_rows, double softcap = 0.0);

/// log Σ_v p_v² = logsumexp(2z) − 2·logsumexp(z) of each row's logits z = hidden · head_weightᵀ
/// (WPO's per-token normalizer), a chunk of rows at a time as token_logprobs_chunked. hidden:
/// [N, H], head_weight [V, H]. Returns [N] float32, detached (no gradient). Throws lpo::Error on
/// bad shapes or chunk_rows < 1.
at::Tensor token_log_sum_sq_probs_chunked(const at::Tensor& hidden, const at::Tensor& head_weight,
                                          int64_t chunk_rows);

/// Per-sequence log-prob: the sum over masked tokens, or with `average` their mean
/// (divided by the mask count of that row, never the padded length T; the seed's
/// --is-average). token_logps: [B, T] float; mask: [B, T] bool or 0/1 numbers
/// (nonzero = response token). Masked-out positions are ignored even if NaN/inf.
/// Returns [B] in token_logps' dtype. Throws lpo::Error on shape mismatch or a row
/// with an empty mask (the seed's nan_to_num would hide it).
at::Tensor sequence_logps(const at::Tensor& token_logps, const at::Tensor& mask, bool average);

/// SFT objective: mean negative log-likelihood (nats/token) over all masked tokens of
/// the batch (token-weighted, like Megatron's loss_func). Shapes as sequence_logps;
/// returns a 0-dim tensor. Throws lpo::Error on shape mismatch or an all-empty mask.
at::Tensor sft_loss(const at::Tensor& token_logps, const at::Tensor& mask);

namespace detail {
/// Throws lpo::Error (prefixed by `where`) unless labels are integer token ids in
/// [0, vocab) or kIgnoreLabel. Shared by the two token_logprobs variants.
void check_token_labels(const at::Tensor& labels, int64_t vocab, const char* where);
}  // namespace detail

}  // namespace lpo::objectives
