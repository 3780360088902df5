// `lpo bench train-step` / `lpo bench gemm`: what one full preference training step costs on
// this machine, measured the same way as bench/pytorch_train_step.py (the TRL-style baseline).
#pragma once
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "training/train_config.hpp"

namespace lpo::training {

struct BenchStepOptions {
  int64_t hidden = 512, intermediate = 1408, layers = 8, heads = 8, kv_heads = 2, vocab = 32000;
  int64_t pairs = 4, prompt_len = 256, response_len = 64;
  std::string loss_type = "lpo-ste";
  int steps = 3, warmup = 1;
  ComputeOptions compute;  // layout (prefix sharing, packing) and recomputation
  uint64_t seed = 1;
};

/// Runs warmup + steps full training steps on a random qwen2-layout model (untied head) and
/// random pairs: policy forward on prompt ⧺ chosen and prompt ⧺ rejected, response log-probs,
/// loss against fixed reference log-probs, backward, AdamW (lr 1e-5, weight decay 0.01).
/// Returns one JSON object:
///   tokens_per_s, step_ms (median), peak_rss_mb, tokens_per_step = pairs × (2·prompt_len +
///   2·response_len) whatever path runs (the same work counted the same way), path;
///   model_gflop: forward + backward FLOPs of what this path computes (6·params·row tokens for
///   the layers, 12·layers·heads·head_dim per attention score, 6·hidden·vocab per scored
///   token; recomputation not counted, as in PaLM's MFU); needed_gflop: the same for the
///   work a pair needs (prompt once, LM head on responses only, attention not counted);
///   gemm_gflops: this machine's best float32 GEMM rate (n = 2048, 5 products) measured in
///   the same process;
///   mfu = model_gflop / step time / gemm_gflops, mfu_needed likewise with needed_gflop.
nlohmann::json bench_train_step(const BenchStepOptions& options);

/// Float32 n×n matrix-multiply rate of this machine and thread count:
/// {"gflops" (median of `reps`), "best_gflops" (fastest), "n", "ms" (median)}; 2n³ FLOPs per
/// product.
nlohmann::json bench_gemm(int64_t n, int reps);

}  // namespace lpo::training
