#include "model/rope.hpp"

#include "util/error.hpp"

namespace lpo {

at::Tensor rope_inv_freq(int64_t head_dim, double theta, c10::Device device) {
  check(head_dim > 0 && head_dim % 2 == 0, "RoPE needs an even head_dim, got ", head_dim);
  at::Tensor exponent = at::arange(0, head_dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(head_dim);
  return (1.0 / at::pow(theta, exponent)).to(device);
}

std::pair<at::Tensor, at::Tensor> rope_cos_sin(const at::Tensor& position_ids, const at::Tensor& inv_freq) {
  at::Tensor angles = position_ids.to(at::kFloat).unsqueeze(-1) * inv_freq;  // [B, T, d/2]
  at::Tensor emb = at::cat({angles, angles}, -1);                             // [B, T, d]
  return {emb.cos(), emb.sin()};
}

at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  int64_t half = x.size(-1) / 2;
  at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  at::Tensor c = cos.unsqueeze(1).to(x.scalar_type());  // [B, 1, T, d]: broadcast over heads
  at::Tensor s = sin.unsqueeze(1).to(x.scalar_type());
  return x * c + rotated * s;
}

}  // namespace lpo
