// Held-out evaluation of a training task: its loss and metrics over a whole held-out set.
#pragma once
#include "training/metrics_log.hpp"
#include "training/task.hpp"

namespace lpo::training {

/// The task's metrics averaged over all its examples (each weighted by its count), without
/// gradients, in micro-batches of `batch_size`; names get the prefix "eval/" ("eval/loss",
/// "eval/rewards/accuracies", ...). Throws lpo::Error for an empty task.
Metrics evaluate_task(const Transformer& model, Task& task, int64_t batch_size);

}  // namespace lpo::training
