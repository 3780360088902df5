// Activation checkpointing (Chen et al. 2016, "Training Deep Nets with Sublinear Memory Cost";
// Megatron's --recompute-activations): run a block without keeping its intermediate tensors
// and run it again during backward to get them back. Memory: one input tensor per block
// instead of every activation inside it; cost: one more forward of the block.
#pragma once
#include <ATen/ATen.h>

#include <functional>

namespace lpo {

/// y = block(x), where backward recomputes block(x) with autograd on and backpropagates
/// through it (re-entrant, as torch.utils.checkpoint's default). Gradients reach x and every
/// tensor `block` uses that requires grad (parameters accumulate into .grad). `block` must be
/// deterministic and must stay callable until backward has run. Without grad mode, or when x
/// does not require grad, this is plain block(x).
at::Tensor recompute_in_backward(const std::function<at::Tensor(const at::Tensor&)>& block, const at::Tensor& x);

}  // namespace lpo
