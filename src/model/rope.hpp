// Rotary position embedding, Hugging Face "rotate-half" convention (transformers'
// LlamaRotaryEmbedding / apply_rotary_pos_emb; RoFormer, arXiv 2104.09864, eq. 34 with the
// two halves of each head, not interleaved pairs, rotated together), and every frequency
// variant of config.json's rope_scaling (transformers' modeling_rope_utils.py).
#pragma once
#include <ATen/ATen.h>

#include <utility>

#include "model/model_config.hpp"

namespace lpo {

/// inv_freq [head_dim / 2] float32 with inv_freq[i] = 1 / theta^(2i / head_dim), computed in
/// float32 as transformers does. Requires an even head_dim.
at::Tensor rope_inv_freq(int64_t head_dim, double theta, c10::Device device = c10::kCPU);

/// The frequencies of one RoPE variant and the factor its cos/sin are multiplied by.
struct RopeFrequencies {
  at::Tensor inv_freq;            // [head_dim / 2] float32
  double attention_factor = 1.0;  // yarn's "mscale"; 1 otherwise
};

/// Frequencies of `scaling` with base `theta` (formulas of transformers'
/// _compute_{default,linear_scaling,dynamic_ntk,yarn,llama3}_parameters):
///  linear:  inv_freq / factor;
///  dynamic: base' = theta·((factor·L / M) − (factor − 1))^(d / (d − 2)) once the sequence
///           length L (`seq_len`: max position + 1) exceeds M = max_position_embeddings;
///  yarn:    interpolated (/factor) below the correction range of beta_fast/beta_slow rotations
///           over original_max_position_embeddings (else max_position_embeddings), extrapolated
///           above it, a linear ramp between; attention factor 0.1·ln(factor) + 1 unless given
///           (or mscale / mscale_all_dim's ratio);
///  llama3:  wavelengths longer than original/low_freq_factor divided by factor, shorter than
///           original/high_freq_factor kept, a smooth blend between.
RopeFrequencies rope_frequencies(const RopeScaling& scaling, int64_t head_dim, double theta,
                                 int64_t max_position_embeddings, int64_t seq_len,
                                 c10::Device device = c10::kCPU);

/// position_ids [B, T] int64, inv_freq [head_dim / 2] -> (cos, sin), each [B, T, head_dim]
/// float32, of the angles position * inv_freq repeated twice along the last dim, times
/// `attention_factor`.
std::pair<at::Tensor, at::Tensor> rope_cos_sin(const at::Tensor& position_ids, const at::Tensor& inv_freq,
                                               double attention_factor = 1.0);

/// x [B, heads, T, head_dim] -> x * cos + rotate_half(x) * sin, with rotate_half(x) =
/// cat(-x[..., d/2:], x[..., :d/2]); cos/sin [B, T, head_dim] are cast to x's dtype.
at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace lpo
