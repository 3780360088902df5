// The training loop, readable top to bottom: for each iteration, set the learning rate,
// accumulate gradients over micro-batches, clip, step AdamW, log, checkpoint.
#pragma once
#include <string>

#include "training/metrics_log.hpp"
#include "training/task.hpp"
#include "training/train_config.hpp"

namespace lpo::training {

struct TrainResult {
  int64_t start_iteration = 0;  // > 0 when resumed
  int64_t iterations = 0;       // iteration reached (= train_iters)
  Metrics first, last;          // metrics of the first and last iterations run here
  std::string checkpoint;       // the final checkpoint ("" without --save)
};

/// Trains the model in `config.model` (or resumes from the newest checkpoint under
/// `config.load`) on `task`. Throws lpo::Error on bad settings, unreadable model or
/// checkpoint, non-finite loss, or I/O failure while saving.
TrainResult train(const TrainConfig& config, Task& task);

}  // namespace lpo::training
