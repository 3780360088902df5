// AdamW as Megatron sets it up: weight decay on matrices and embeddings only (not on norms
// and biases), learning rate set each step from the schedule, global-norm gradient clipping.
#pragma once
#include <memory>

#include <torch/optim/adamw.h>

#include "model/transformer.hpp"
#include "training/train_config.hpp"

namespace lpo::training {

/// AdamW over `model`'s trainable parameters (the adapters with LoRA) in two groups: [0] with weight decay (dim >= 2),
/// [1] without (1-D: norms, biases).
std::unique_ptr<torch::optim::AdamW> make_adamw(const Transformer& model, const OptimizerConfig& config);

/// Sets the learning rate of every parameter group.
void set_learning_rate(torch::optim::AdamW& optimizer, double lr);

/// Drops every parameter's gradient (PyTorch 2's zero_grad(set_to_none=True)): the next
/// backward allocates fresh ones, so gradients hold no memory during the forward pass, when
/// the activations peak. Accumulation over micro-batches then adds into the new tensors.
void release_gradients(torch::optim::Optimizer& optimizer);

/// Global L2 norm of all gradients (before clipping); when max_norm > 0 and the norm exceeds
/// it, scales every gradient by max_norm / norm (Megatron's clip_grad_norm).
double clip_grad_norm(const std::vector<at::Tensor>& parameters, double max_norm);

}  // namespace lpo::training
