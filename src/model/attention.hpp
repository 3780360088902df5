// Causal grouped-query self-attention (transformers' LlamaAttention, Qwen3Attention,
// Gemma3Attention; eager path), with every mask kind: causal, padding, prefix-shared, packed
// spans, and sliding windows.
#pragma once
#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "model/lora.hpp"

namespace lpo {

struct KVCache;

/// Projection weights of one attention layer (q/k/v biases undefined when absent).
/// q_w [heads * head_dim, H], k_w / v_w [kv_heads * head_dim, H], o_w [H, heads * head_dim];
/// q_norm / k_norm [head_dim]: per-head RMSNorm weights (Qwen3, Gemma 3), undefined when absent.
/// q/k/v/o_lora: LoRA adapters of the projections (model/lora.hpp), undefined when absent.
struct AttentionWeights {
  at::Tensor q_w, q_b, k_w, k_b, v_w, v_b, o_w;
  at::Tensor q_norm, k_norm;
  LoraAdapter q_lora, k_lora, v_lora, o_lora;
};

/// Head layout and score arithmetic of one attention layer.
struct AttentionShape {
  int64_t heads = 0, kv_heads = 0, head_dim = 0;
  double scale = 0;            // factor on q·k; 0: 1/sqrt(head_dim)
  double softcap = 0;          // scores -> softcap·tanh(scores / softcap) (Gemma 2); 0: off
  double norm_eps = 1e-6;      // q/k norm epsilon
  double norm_offset = 0;      // q/k norm: (offset + weight), 1 for Gemma
};

/// A contiguous run [start, start + length) of a single packed row whose tokens attend only
/// within the run (one packed sequence or shared-prefix pair). Attention is computed per run,
/// so packing many sequences into one row costs no padding and no cross-run scores.
struct AttentionSpan {
  int64_t start = 0, length = 0;
  at::Tensor mask;  // [length, length] bool, true = query may see key; undefined = causal
};

/// Which keys each query may see: [B, 1, T, S] bool (true = attend), S = past + T.
/// Query i (absolute position past + i) sees key j when j <= past + i and key_mask[b, j]
/// (key_mask [B, S], nonzero = real token; undefined = all real).
at::Tensor causal_attention_mask(int64_t batch, int64_t t, int64_t past, const at::Tensor& key_mask,
                                 c10::Device device);

/// `allowed` [B or 1, 1, T, S] restricted to a sliding window of `window` keys per query, by
/// absolute index (query i sits at past + i): key j stays allowed when past + i − j < window
/// (transformers' sliding_window_overlay). window <= 0 returns `allowed`.
at::Tensor windowed_mask(const at::Tensor& allowed, int64_t past, int64_t window);

/// `allowed` [T, T] or [B, 1, T, T] bool (undefined: causal [T, T]) restricted by positions
/// [T] or [B, T] int64 (RoPE positions, which restart after a shared prompt): query q keeps
/// key k when positions[q] − positions[k] < window. Used for packed spans and prefix-shared rows, where
/// the index in the row is not the position in the sequence.
at::Tensor windowed_mask_by_position(const at::Tensor& allowed, const at::Tensor& positions, int64_t window);

/// x [B, T, H] -> attention output [B, T, H] (x's dtype).
/// cos/sin [B, T, head_dim] from rope_cos_sin; allowed [B or 1, 1, T, S] bool.
/// K/V heads are repeated heads / kv_heads times (query head h uses kv head h / rep).
/// With q/k norm weights, q and k are RMS-normalised per head before RoPE.
/// Scores = q k^T · scale (soft-capped when set), softmax in float32 over the allowed keys only; a fully
/// masked query row (padding) gets a zero output, never NaN. Under autograd the [T, S]
/// probabilities are not kept but recomputed in backward (FlashAttention's backward).
/// With `cache`, this call's keys/values are appended to layer `layer` and attention covers
/// the cache. With `spans` (B = 1, no cache, spans tiling [0, T) in order) attention is
/// computed within each span under its own mask and `allowed` is not used. Differentiable.
at::Tensor self_attention(const at::Tensor& x, const AttentionWeights& w, const AttentionShape& shape,
                          const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed,
                          KVCache* cache, int64_t layer, const std::vector<AttentionSpan>& spans = {});

}  // namespace lpo
