// The embedded default (`make demo`): the whole LPO job on data the project generates itself.
//   1. a byte-level tokenizer and a tiny qwen2-shaped model, randomly initialised;
//   2. a short SFT on right answers, so the model knows the answer format (the SFT model);
//   3. synthetic arithmetic preference pairs (right answer chosen, a wrong one rejected),
//      scored once by the SFT model, which is the reference;
//   4. LPO training from the SFT weights (lpo-ste, the seed's recipe);
//   5. held-out evaluation before and after: loss, reward accuracy, log-prob changes.
#pragma once
#include <cstdint>
#include <string>

#include "evaluation/pair_eval.hpp"

namespace lpo::pipeline {

struct DemoOptions {
  std::string out_dir = "runs/demo";
  int train_pairs = 1024, eval_pairs = 256;
  int64_t sft_iters = 150;
  double sft_lr = 2e-3;
  int64_t train_iters = 120, micro_batch_size = 16, global_batch_size = 32;
  double lr = 1e-4;
  uint64_t seed = 1234;
  bool progress = true;
};

struct DemoResult {
  evaluation::PairEval before, after;
  std::string checkpoint;
  double seconds = 0;
};

/// Runs the demo under `options.out_dir` (created; existing contents replaced) and prints the
/// before/after table to stdout. Throws lpo::Error on I/O failure.
DemoResult run_demo(const DemoOptions& options);

}  // namespace lpo::pipeline
