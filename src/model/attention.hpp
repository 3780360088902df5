// Causal grouped-query self-attention (transformers' LlamaAttention / Qwen2Attention, eager path).
#pragma once
#include <ATen/ATen.h>

#include <cstdint>

namespace lpo {

struct KVCache;

/// Projection weights of one attention layer (q/k/v biases undefined when absent).
/// q_w [heads * head_dim, H], k_w / v_w [kv_heads * head_dim, H], o_w [H, heads * head_dim].
struct AttentionWeights {
  at::Tensor q_w, q_b, k_w, k_b, v_w, v_b, o_w;
};

struct AttentionShape {
  int64_t heads = 0, kv_heads = 0, head_dim = 0;
};

/// Which keys each query may see: [B, 1, T, S] bool (true = attend), S = past + T.
/// Query i (absolute position past + i) sees key j when j <= past + i and key_mask[b, j]
/// (key_mask [B, S], nonzero = real token; undefined = all real).
at::Tensor causal_attention_mask(int64_t batch, int64_t t, int64_t past, const at::Tensor& key_mask,
                                 c10::Device device);

/// x [B, T, H] -> attention output [B, T, H] (x's dtype).
/// cos/sin [B, T, head_dim] from rope_cos_sin; allowed [B or 1, 1, T, S] bool.
/// K/V heads are repeated heads / kv_heads times (query head h uses kv head h / rep).
/// Scores = q k^T / sqrt(head_dim); disallowed scores are set to the lowest finite float before a
/// float32 softmax, so fully-masked rows (padding) give a finite uniform average, never NaN.
/// With `cache`, this call's keys/values are appended to layer `layer` and attention covers
/// the cache. Differentiable.
at::Tensor self_attention(const at::Tensor& x, const AttentionWeights& w, const AttentionShape& shape,
                          const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& allowed,
                          KVCache* cache, int64_t layer);

}  // namespace lpo
