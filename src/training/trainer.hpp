// The training loop, readable top to bottom: for each iteration, set the learning rate,
// accumulate gradients over micro-batches, clip, step AdamW, log, checkpoint.
#pragma once
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "training/data_parallel.hpp"
#include "training/metrics_log.hpp"
#include "training/task.hpp"
#include "training/train_config.hpp"

namespace lpo::training {

struct TrainResult {
  int64_t start_iteration = 0;  // > 0 when resumed
  int64_t iterations = 0;       // iteration reached (= train_iters)
  Metrics first, last;          // metrics of the first and last iterations run here
  std::string checkpoint;       // the final checkpoint ("" without --save)
  std::vector<std::pair<int64_t, Metrics>> evaluations;  // (iteration, eval metrics) in order
  bool stopped_early = false;   // eval_patience ran out
  int stop_signal = 0;          // SIGTERM/SIGINT that stopped the run after a checkpoint (0: none)
  int64_t skipped_steps = 0;    // updates skipped for a non-finite loss or gradient norm
};

/// Held-out evaluation run every `config.eval_interval` iterations: metrics named "eval/..."
/// (logged like the training metrics; `config.eval_metric` drives early stopping).
using Evaluator = std::function<Metrics(const Transformer& model)>;

/// Trains the model in `config.model` (or resumes from the newest checkpoint under
/// `config.load`) on `task`. With an evaluator and `config.eval_patience` K, stops (and saves)
/// once K evaluations in a row have not improved on the best `config.eval_metric`.
/// A step whose loss or gradient norm is not finite is skipped (no update, counted, logged);
/// more than `config.max_skipped_steps` in a row abort. SIGTERM/SIGINT finish the current step,
/// save (with --save) and return; a second signal exits at once.
/// Throws lpo::Error on bad settings, unreadable model or checkpoint, an unwritable --save or
/// too little free space there for a checkpoint, too many skipped steps, or I/O failure while
/// saving (the last good checkpoint stays intact).
/// With `parallel` (world size > 1) each rank computes micro-batches (m · world + rank) of the
/// global batch (global = micro × accumulation × world), gradients and metrics are averaged
/// across ranks, and only rank 0 logs and writes checkpoints.
TrainResult train(const TrainConfig& config, Task& task, const Evaluator& evaluator = nullptr,
                  DataParallel* parallel = nullptr);

}  // namespace lpo::training
