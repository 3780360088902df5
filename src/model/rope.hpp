// Rotary position embedding, Hugging Face "rotate-half" convention (transformers'
// LlamaRotaryEmbedding / apply_rotary_pos_emb; RoFormer, arXiv 2104.09864, eq. 34 with the
// two halves of each head, not interleaved pairs, rotated together).
#pragma once
#include <ATen/ATen.h>

#include <utility>

namespace lpo {

/// inv_freq [head_dim / 2] float32 with inv_freq[i] = 1 / theta^(2i / head_dim), computed in
/// float32 as transformers does. Requires an even head_dim.
at::Tensor rope_inv_freq(int64_t head_dim, double theta, c10::Device device = c10::kCPU);

/// position_ids [B, T] int64, inv_freq [head_dim / 2] -> (cos, sin), each [B, T, head_dim]
/// float32, of the angles position * inv_freq repeated twice along the last dim.
std::pair<at::Tensor, at::Tensor> rope_cos_sin(const at::Tensor& position_ids, const at::Tensor& inv_freq);

/// x [B, heads, T, head_dim] -> x * cos + rotate_half(x) * sin, with rotate_half(x) =
/// cat(-x[..., d/2:], x[..., :d/2]); cos/sin [B, T, head_dim] are cast to x's dtype.
at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace lpo
