// The embedded default (`make demo`): a small-scale replica of the paper's math experiment
// (GSM8K: SFT 84.15, DPO 82.34, LPO 88.86), with the controls a careful reader asks for.
//   1. generate a GSM8K-format word-problem task (data/synthetic_math.hpp), a word-level
//      tokenizer for it, and a small qwen2-shaped model;
//   2. SFT from scratch until held-out accuracy stops improving (the SFT model);
//   3. sample N candidates per training prompt, keep the wrong ones as rejected with the gold
//      solution as chosen (select-pairs --task gsm8k), score them with the SFT model;
//   4. from the SFT weights train DPO (sigmoid), LPO (lpo-ste, the seed's settings) at three
//      learning rates, the control (continued SFT on the chosen answers, same steps and lr),
//      and LPO at four values of r2;
//   5. evaluate every model on held-out problems (strict and flexible accuracy) and write
//      report.md, results.json, SVG charts and TensorBoard event files under out_dir.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/synthetic_math.hpp"

namespace lpo::pipeline {

struct DemoOptions {
  std::string out_dir = "runs/demo";
  uint64_t seed = 1234;
  bool progress = true;
  MathTaskOptions task;
  int sft_problems = 4000, pref_prompts = 400, dev_problems = 100, test_problems = 500;
  int64_t hidden = 128, intermediate = 256, layers = 3, heads = 4, kv_heads = 2;
  double sft_lr = 3e-3;
  int64_t sft_batch = 32, sft_max_iters = 1800, sft_eval_interval = 150, sft_patience = 3;
  int num_candidates = 4, max_new_tokens = 40;
  int64_t pref_iters = 100, micro_batch_size = 16, global_batch_size = 16, curve_interval = 10;
  double lr = 3e-5;                              // the main comparison's learning rate
  std::vector<double> lr_sweep = {1e-5, 3e-5, 1e-4};
  std::vector<double> r2_sweep = {0.1, 0.4, 0.8, 1.0};
  double dpo_beta = 0.1;
  std::string device = "cpu";  // where every model lives (cpu, cuda:N)
  bool bf16 = false;           // train with a bfloat16 compute copy (training/mixed_precision.hpp)
  /// A small variant for tests (seconds, not minutes): every step runs, on tiny sizes.
  void make_quick();
};

/// Runs the replica under `options.out_dir` (created; previous results replaced), prints the
/// results table, and returns results.json's content. Throws lpo::Error on I/O failure.
nlohmann::json run_demo(const DemoOptions& options);

}  // namespace lpo::pipeline
