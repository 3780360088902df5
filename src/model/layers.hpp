// The transformer's position-wise blocks, as in transformers' LlamaRMSNorm / Gemma3RMSNorm and
// LlamaMLP / Gemma3MLP.
#pragma once
#include <ATen/ATen.h>

#include <string>

#include "model/lora.hpp"

namespace lpo {

/// RMSNorm (Zhang & Sennrich 2019): x [..., H], weight [H] -> (offset + weight) ·
/// x / sqrt(mean(x², -1) + eps), normalised in float32. offset 0 (Llama, Qwen): the normalised
/// x is cast back to x's dtype, then scaled; offset 1 (Gemma, weights stored as w − 1): scaled in
/// float32, then cast. Both as transformers computes them.
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps, double offset = 0.0);

/// Gated MLP: x [..., H] -> down(act(gate(x)) * up(x)) [..., H]; gate, up [I, H]; down [H, I];
/// no biases. `activation`: "silu" (SwiGLU, Shazeer 2020) or "gelu_pytorch_tanh" (GeGLU with
/// the tanh approximation of GELU, Gemma). Under autograd only x, gate(x) and up(x) are kept for
/// backward (act(g)·u is recomputed from them), not the four [..., I] tensors that composing the
/// ops would keep: the MLP is most of a layer's activation memory. Frozen weights (not
/// requiring grad) get no gradient computed.
/// `adapters` (nullptr or all undefined: none): LoRA adapters of gate/up/down (model/lora.hpp);
/// with any, the adapters join the fused backward (still only x, gate(x), up(x) kept; their
/// rank-r intermediates and dropout masks are recomputed), and all must share scale and dropout.
struct MlpAdapters {
  LoraAdapter gate, up, down;
  bool any() const { return gate.defined() || up.defined() || down.defined(); }
};
at::Tensor gated_mlp(const at::Tensor& x, const at::Tensor& gate, const at::Tensor& up, const at::Tensor& down,
                     const std::string& activation = "silu", const MlpAdapters* adapters = nullptr);

}  // namespace lpo
