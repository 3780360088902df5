#include "model/lora.hpp"

#include <ATen/CPUGeneratorImpl.h>

#include <cmath>

namespace lpo {

at::Tensor lora_dropout_mask(const LoraAdapter& lora, at::IntArrayRef sizes, c10::Device device) {
  if (lora.dropout <= 0 || lora.dropout_seed < 0) return {};
  at::Generator gen = at::make_generator<at::CPUGeneratorImpl>(static_cast<uint64_t>(lora.dropout_seed));
  at::Tensor keep = at::empty(sizes, at::kFloat).bernoulli_(1.0 - lora.dropout, gen);
  return keep.div_(1.0 - lora.dropout).to(device);
}

at::Tensor lora_delta(const at::Tensor& x, const LoraAdapter& lora) {
  at::Tensor xa = x.to(lora.a.scalar_type());
  at::Tensor mask = lora_dropout_mask(lora, xa.sizes(), xa.device());
  if (mask.defined()) xa = xa * mask;
  return at::linear(at::linear(xa, lora.a), lora.b).mul_(lora.scale);
}

LoraGrads lora_delta_backward(const at::Tensor& x, const at::Tensor& dz, const LoraAdapter& lora) {
  at::Tensor xa = x.to(lora.a.scalar_type());
  at::Tensor mask = lora_dropout_mask(lora, xa.sizes(), xa.device());
  if (mask.defined()) xa = xa * mask;
  at::Tensor dzf = dz.to(lora.a.scalar_type());
  at::Tensor t = at::mm(xa, lora.a.t());                 // [N, r]
  at::Tensor dt = at::mm(dzf, lora.b).mul_(lora.scale);  // [N, r]
  LoraGrads g;
  g.db = at::mm(dzf.t(), t).mul_(lora.scale);
  g.da = at::mm(dt.t(), xa);
  g.dx = at::mm(dt, lora.a);
  if (mask.defined()) g.dx.mul_(mask);
  return g;
}

at::Tensor adapted_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias,
                          const LoraAdapter& lora) {
  at::Tensor y = at::linear(x, weight, bias);
  if (!lora.defined()) return y;
  return y + lora_delta(x, lora).to(y.scalar_type());
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
