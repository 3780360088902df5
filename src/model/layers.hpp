// The transformer's position-wise blocks, as in transformers' LlamaRMSNorm and LlamaMLP.
#pragma once
#include <ATen/ATen.h>

namespace lpo {

/// RMSNorm (Zhang & Sennrich 2019): x [..., H], weight [H] ->
/// weight * (x / sqrt(mean(x^2, -1) + eps)), normalised in float32 then cast back to x's dtype.
at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps);

/// SwiGLU MLP (Shazeer 2020): x [..., H] -> down(silu(gate(x)) * up(x)) [..., H];
/// gate, up [I, H]; down [H, I]; no biases. Under autograd only x, gate(x) and up(x) are
/// kept for backward (silu(g)·u is recomputed from them), not the four [..., I] tensors that
/// composing the ops would keep: the MLP is most of a layer's activation memory.
at::Tensor swiglu_mlp(const at::Tensor& x, const at::Tensor& gate, const at::Tensor& up, const at::Tensor& down);

}  // namespace lpo
