// `lpo bench train-step` / `lpo bench gemm`: what one full preference training step costs on
// this machine, measured the same way as bench/pytorch_train_step.py (the TRL-style baseline).
#pragma once
#include <cstdint>
#include <string>

#include <ATen/ATen.h>
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
  c10::Device device = c10::kCPU;
  bool bf16 = false;        // bfloat16 compute copy, float32 master weights (as `lpo train --bf16`)
  double peak_tflops = 0;   // the device's rated peak in the compute dtype (0: none given)
};

/// Runs warmup + steps full training steps on a random qwen2-layout model (untied head) and
/// random pairs: policy forward on prompt ⧺ chosen and prompt ⧺ rejected, response log-probs,
/// loss against fixed reference log-probs, backward, AdamW (lr 1e-5, weight decay 0.01).
/// Returns one JSON object:
///   tokens_per_s, step_ms (median), peak_rss_mb (process), peak_memory_mb (on the device:
///   the CUDA allocator's peak over the timed steps, or the peak RSS on the CPU), device, dtype
///   ("float32" or "bf16-mixed"), tokens_per_step = pairs × (2·prompt_len +
///   2·response_len) whatever path runs (the same work counted the same way), path;
///   model_gflop: forward + backward FLOPs of what this path computes (6·params·row tokens for
///   the layers, 12·layers·heads·head_dim per attention score, 6·hidden·vocab per scored
///   token; recomputation not counted, as in PaLM's MFU); needed_gflop: the same for the
///   work a pair needs (prompt once, LM head on responses only, attention not counted);
///   gemm_gflops: this device's best GEMM rate in the compute dtype (float32 n = 2048 on the
///   CPU, n = 8192 on a GPU; 5 products) measured in the same process;
///   mfu = model_gflop / step time / gemm_gflops, mfu_needed likewise with needed_gflop;
///   with peak_tflops > 0 also mfu_peak = model_gflop / step time / peak.
nlohmann::json bench_train_step(const BenchStepOptions& options);

/// n×n matrix-multiply rate of `device` in `dtype` at this thread count:
/// {"gflops" (median of `reps`), "best_gflops" (fastest), "n", "ms" (median)}; 2n³ FLOPs per
/// product. Throws lpo::Error for n or reps < 1.
nlohmann::json bench_gemm(int64_t n, int reps, c10::Device device = c10::kCPU, at::ScalarType dtype = at::kFloat);

}  // namespace lpo::training
