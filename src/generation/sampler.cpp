#include "generation/sampler.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <limits>

#include "util/error.hpp"

namespace lpo {

Sampler::Sampler(SamplerOptions options, uint64_t seed)
    : options_(options), generator_(at::make_generator<at::CPUGeneratorImpl>(seed)) {
  check(options_.temperature >= 0, "temperature must be >= 0, got ", options_.temperature);
  check(options_.top_p > 0 && options_.top_p <= 1, "top_p must be in (0, 1], got ", options_.top_p);
  check(options_.top_k >= 0, "top_k must be >= 0, got ", options_.top_k);
}

at::Tensor Sampler::sample(const at::Tensor& logits_in) {
  check(logits_in.dim() == 2, "sampler: logits must be [B, V], got ", logits_in.sizes());
  at::Tensor logits = logits_in.detach().to(at::kCPU).to(at::kFloat);
  if (options_.temperature == 0.0) return logits.argmax(-1);

  constexpr float kOff = -std::numeric_limits<float>::infinity();
  logits = logits / options_.temperature;
  int64_t vocab = logits.size(-1);
  if (options_.top_k > 0 && options_.top_k < vocab) {
    at::Tensor kth = std::get<0>(logits.topk(options_.top_k, -1)).narrow(-1, options_.top_k - 1, 1);  // [B, 1]
    logits = logits.masked_fill(logits < kth, kOff);
  }
  if (options_.top_p < 1.0) {
    auto [sorted, order] = logits.sort(-1, /*descending=*/true);
    at::Tensor mass_before = sorted.softmax(-1).cumsum(-1) - sorted.softmax(-1);  // mass of better tokens
    at::Tensor drop_sorted = mass_before >= options_.top_p;                       // the first token never drops
    at::Tensor drop = at::zeros_like(drop_sorted).scatter(-1, order, drop_sorted);
    logits = logits.masked_fill(drop, kOff);
  }
  at::Tensor probs = logits.softmax(-1);
  return at::multinomial(probs, 1, /*replacement=*/false, generator_).squeeze(-1);
}

}  // namespace lpo
