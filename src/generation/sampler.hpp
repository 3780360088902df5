// Next-token choice from logits: greedy, or temperature / top-k / top-p (nucleus) sampling.
#pragma once
#include <ATen/ATen.h>

#include <cstdint>

namespace lpo {

struct SamplerOptions {
  double temperature = 0.0;  // 0: greedy (argmax, lowest id on ties)
  double top_p = 1.0;        // nucleus: keep the smallest set of top tokens with mass >= top_p
  int top_k = 0;             // 0: no limit
};

/// Draws token ids from logits. A Sampler owns a CPU generator seeded once, so the same seed,
/// options and logits give the same ids on every run and device.
class Sampler {
 public:
  /// Throws lpo::Error for temperature < 0, top_p outside (0, 1] or top_k < 0.
  explicit Sampler(SamplerOptions options, uint64_t seed = 0);

  /// logits [B, V] (any float dtype/device) -> ids [B] int64 on the CPU.
  /// Sampling: p = softmax(logits / temperature) restricted to the top_k largest, then to the
  /// smallest prefix of the sorted distribution whose mass reaches top_p (Holtzman et al. 2020,
  /// "The Curious Case of Neural Text Degeneration", sec. 3.1), renormalised.
  at::Tensor sample(const at::Tensor& logits);

  const SamplerOptions& options() const { return options_; }

 private:
  SamplerOptions options_;
  at::Generator generator_;
};

}  // namespace lpo
