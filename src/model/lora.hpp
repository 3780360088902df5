// LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models") as PEFT's
// LoraLayer applies it to a linear layer: y = x Wᵀ + b + s·(dropout(x) Aᵀ) Bᵀ, with A [r, in],
// B [out, r] and s = α/r (α/√r with rsLoRA). The base W stays frozen; only A and B train.
#pragma once
#include <ATen/ATen.h>

#include <cstdint>

namespace lpo {

/// The adapter of one linear layer; undefined `a` means none (the plain layer).
struct LoraAdapter {
  at::Tensor a;              // lora_A [r, in], float32
  at::Tensor b;              // lora_B [out, r], float32
  double scale = 0.0;        // s (LoraConfig::scale)
  double dropout = 0.0;      // probability on the adapter's input ...
  int64_t dropout_seed = -1;  // ... applied only when >= 0 (training), masks drawn from this seed
  bool defined() const { return a.defined(); }
};

/// x [..., in] -> [..., out] in x's dtype: x Wᵀ + bias (bias undefined: none) plus, with an
/// adapter, s·(dropout(x) Aᵀ) Bᵀ computed in the adapter's dtype (float32) and added in x's.
/// Dropout (inverted: kept values × 1/(1−p)) uses a CPU generator seeded with dropout_seed,
/// so a recomputed forward (model/recompute.hpp) and a resumed run draw the same masks.
at::Tensor adapted_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                          const LoraAdapter& lora);

/// The dropout mask of an adapter's input of `sizes`: float32 on `device`, kept entries
/// 1/(1−p), others 0, drawn from lora.dropout_seed on the CPU; undefined when dropout is off
/// (p = 0 or no seed). adapted_linear and the fused MLP (layers.cpp) draw the same masks.
at::Tensor lora_dropout_mask(const LoraAdapter& lora, at::IntArrayRef sizes, c10::Device device);

/// The adapter's term alone: x [N, in] -> s·(dropout(x) Aᵀ) Bᵀ [N, out] float32.
at::Tensor lora_delta(const at::Tensor& x, const LoraAdapter& lora);

/// Backward of lora_delta for its output gradient dz [N, out]: dx [N, in] (float32),
/// dA = s·(dz B)ᵀ x̃ [r, in], dB = s·dzᵀ (x̃ Aᵀ) [out, r], with x̃ = dropout(x) (same mask).
struct LoraGrads {
  at::Tensor dx, da, db;
};
LoraGrads lora_delta_backward(const at::Tensor& x, const at::Tensor& dz, const LoraAdapter& lora);

/// PEFT's default initialisation (LoraLayer.reset_lora_parameters, init_lora_weights=True):
/// A ~ Kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in) for A [r, in]; B = 0, so the adapted
/// layer starts equal to the base. Drawn on the CPU from `seed` (same on every device).
void lora_init(at::Tensor& a, at::Tensor& b, uint64_t seed);

}  // namespace lpo
