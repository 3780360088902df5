#include "model/lora.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace lpo {

at::Tensor adapted_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                          const LoraAdapter& lora) {
  at::Tensor y = at::linear(x, weight, bias);
  if (!lora.defined()) return y;
  at::Tensor xa = x.to(lora.a.scalar_type());
  if (lora.dropout > 0 && lora.dropout_seed >= 0) {
    at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(lora.dropout_seed));
    at::Tensor keep = at::empty(xa.sizes(), at::kFloat).bernoulli_(1.0 - lora.dropout, gen);
    xa = xa * keep.to(xa.device()).div_(1.0 - lora.dropout);
  }
  at::Tensor delta = at::linear(at::linear(xa, lora.a), lora.b).mul_(lora.scale);
  return y + delta.to(y.scalar_type());
}

void lora_init(at::Tensor& a, at::Tensor& b, uint64_t seed) {
  at::NoGradGuard no_grad;
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  // kaiming_uniform_(a=√5): gain √(2/(1+a²)) = √(1/3), bound = gain·√(3/fan_in) = 1/√fan_in.
  const double bound = 1.0 / std::sqrt(static_cast<double>(a.size(1)));
  at::Tensor values = at::empty(a.sizes(), at::kFloat);
  values.uniform_(-bound, bound, gen);
  a.copy_(values);
  b.zero_();
}

}  // namespace lpo
