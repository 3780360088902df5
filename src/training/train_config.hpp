// Everything `lpo train` is told. Flag names follow the seed (Megatron) so its users feel at home.
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "io/peft_adapter.hpp"
#include "model/sequence_layout.hpp"
#include "objectives/preference_loss.hpp"
#include "objectives/response_logps.hpp"

namespace lpo::training {

struct OptimizerConfig {
  double lr = 1e-6, min_lr = 0.0;
  int64_t lr_warmup_iters = 0;
  double weight_decay = 0.0, adam_beta1 = 0.9, adam_beta2 = 0.95, adam_eps = 1e-8;
  double clip_grad = 1.0;  // 0 disables clipping
};

/// How a micro-batch is computed; none of it changes the numbers beyond float rounding.
struct ComputeOptions {
  LayoutOptions layout;                    // --no-prefix-sharing, --no-packing
  objectives::ResponseLogpsOptions logps;  // --recompute-activations
};

struct TrainConfig {
  std::string model;        // HF model dir: the initial policy (and the reference it was scored with)
  std::string data_path;    // scored pairs (xpo) or prompt/response JSONL (sft)
  std::string train_mode = "xpo";  // xpo: preference loss; sft: next-token loss on responses
  std::string save, load;   // checkpoint dirs ("" = none)
  objectives::LossConfig loss;
  OptimizerConfig optim;
  ComputeOptions compute;
  std::string device = "cpu";  // where the model lives: cpu, cuda:N (resolved by the CLI)
  bool bf16 = false;           // bfloat16 compute copy, float32 master weights (mixed_precision.hpp)
  int64_t train_iters = 100;
  int64_t micro_batch_size = 1, global_batch_size = 8;
  int64_t seq_length = 0;    // 0: the scored data's (xpo), 1024 (sft)
  int64_t save_interval = 0;  // 0: only at the end
  int64_t keep_checkpoints = 0;   // keep the newest K checkpoints (0: all)
  int64_t max_skipped_steps = 5;  // abort after this many non-finite steps in a row
  int64_t log_interval = 1;
  int64_t exit_interval = 0;  // stop (after saving) once the iteration is a multiple of this (Megatron's flag)
  uint64_t seed = 1234;
  std::string log_file;      // metrics JSONL; default <save>/metrics.jsonl
  std::string tensorboard_dir;  // TensorBoard event files ("" = none), as Megatron's flag
  int64_t eval_interval = 0;    // run the evaluator every N iterations (0 = never)
  int64_t eval_patience = 0;    // stop after N evaluations without improvement (0 = never) ...
  int64_t eval_min_iters = 0;   // ... counted only from this iteration on (learning curves start flat)
  std::string eval_metric = "eval/loss";  // what "improvement" means ...
  bool eval_higher_is_better = false;     // ... and in which direction
  bool progress = true;      // progress bar when stdout is a terminal
  /// LoRA (--lora-rank R > 0): train adapters of lora.target_modules on a frozen base
  /// (model/lora.hpp); r 0 = full fine-tuning. lora.base_model is filled from `model`.
  LoraConfig lora = [] {
    LoraConfig c;
    c.r = 0;
    c.alpha = 16.0;
    return c;
  }();
  bool use_lora() const { return lora.r > 0; }

  /// Gradient-accumulation steps per rank: global / (micro × world_size). Throws lpo::Error
  /// unless it divides evenly.
  int64_t accumulation_steps(int world_size = 1) const;
  nlohmann::json to_json() const;
};

}  // namespace lpo::training
