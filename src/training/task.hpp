// What the trainer optimizes: a task turns example indices into a loss and metrics.
// The trainer owns everything else (optimizer, schedule, accumulation, checkpoints, logs).
#pragma once
#include <ATen/ATen.h>

#include <map>
#include <string>
#include <vector>

#include "model/transformer.hpp"

namespace lpo::training {

struct MicroStep {
  at::Tensor loss;                         // scalar to backpropagate (mean over the micro-batch)
  std::map<std::string, double> metrics;   // averaged over micro-batches by the trainer
  int64_t tokens = 0;                      // real tokens processed (for tokens/s)
};

class Task {
 public:
  virtual ~Task() = default;
  /// Number of examples.
  virtual int64_t size() const = 0;
  /// Loss and metrics of the examples `indices` under `model` (with autograd when enabled).
  virtual MicroStep micro_step(const Transformer& model, const std::vector<int64_t>& indices) = 0;
};

}  // namespace lpo::training
