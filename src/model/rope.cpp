#include "model/rope.hpp"

#include <algorithm>
#include <cmath>

#include "util/error.hpp"

namespace lpo {
namespace {

at::Tensor linear_inv_freq(const RopeScaling& s, int64_t d, double theta) {
  return rope_inv_freq(d, theta) / s.factor;
}

at::Tensor dynamic_inv_freq(const RopeScaling& s, int64_t d, double theta, int64_t max_pos, int64_t seq_len) {
  const double len = static_cast<double>(std::max(seq_len, max_pos));
  const double dd = static_cast<double>(d);
  const double base = theta * std::pow(s.factor * len / static_cast<double>(max_pos) - (s.factor - 1), dd / (dd - 2));
  return rope_inv_freq(d, base);
}

double yarn_mscale(double scale, double mscale) { return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0; }

RopeFrequencies yarn(const RopeScaling& s, int64_t d, double theta, int64_t max_pos) {
  const double dd = static_cast<double>(d);
  const double original = static_cast<double>(s.original_max_position_embeddings > 0 ? s.original_max_position_embeddings
                                                                                       : max_pos);
  RopeFrequencies out;
  if (s.attention_factor)
    out.attention_factor = *s.attention_factor;
  else if (s.mscale && s.mscale_all_dim && *s.mscale && *s.mscale_all_dim)
    out.attention_factor = yarn_mscale(s.factor, *s.mscale) / yarn_mscale(s.factor, *s.mscale_all_dim);
  else
    out.attention_factor = yarn_mscale(s.factor, 1.0);
  // The dimension whose wavelength turns `rotations` times over the original context.
  auto correction_dim = [&](double rotations) {
    return dd * std::log(original / (rotations * 2 * M_PI)) / (2 * std::log(theta));
  };
  double low = correction_dim(s.beta_fast.value_or(32.0)), high = correction_dim(s.beta_slow.value_or(1.0));
  if (s.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, dd - 1);
  if (low == high) high += 0.001;  // no zero-width ramp
  at::Tensor extrapolation = rope_inv_freq(d, theta);
  at::Tensor interpolation = extrapolation / s.factor;
  at::Tensor ramp = ((at::arange(d / 2, at::kFloat) - low) / (high - low)).clamp(0, 1);
  at::Tensor keep = 1 - ramp;  // weight of the unscaled frequency
  out.inv_freq = interpolation * (1 - keep) + extrapolation * keep;
  return out;
}

at::Tensor llama3_inv_freq(const RopeScaling& s, int64_t d, double theta) {
  at::Tensor inv_freq = rope_inv_freq(d, theta);
  const double original = static_cast<double>(s.original_max_position_embeddings);
  const double low_wavelen = original / s.low_freq_factor, high_wavelen = original / s.high_freq_factor;
  at::Tensor wavelen = 2 * M_PI / inv_freq;
  at::Tensor scaled = at::where(wavelen > low_wavelen, inv_freq / s.factor, inv_freq);
  at::Tensor smooth = (original / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
  at::Tensor blended = (1 - smooth) * scaled / s.factor + smooth * scaled;
  at::Tensor medium = wavelen.ge(high_wavelen).logical_and(wavelen.le(low_wavelen));
  return at::where(medium, blended, scaled);
}

}  // namespace

at::Tensor rope_inv_freq(int64_t head_dim, double theta, c10::Device device) {
  check(head_dim > 0 && head_dim % 2 == 0, "RoPE needs an even head_dim, got ", head_dim);
  at::Tensor exponent = at::arange(0, head_dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(head_dim);
  return (1.0 / at::pow(theta, exponent)).to(device);
}

RopeFrequencies rope_frequencies(const RopeScaling& scaling, int64_t head_dim, double theta,
                                 int64_t max_position_embeddings, int64_t seq_len, c10::Device device) {
  RopeFrequencies out;
  const std::string& type = scaling.type;
  if (type == "default")
    out.inv_freq = rope_inv_freq(head_dim, theta);
  else if (type == "linear")
    out.inv_freq = linear_inv_freq(scaling, head_dim, theta);
  else if (type == "dynamic")
    out.inv_freq = dynamic_inv_freq(scaling, head_dim, theta, max_position_embeddings, seq_len);
  else if (type == "yarn")
    out = yarn(scaling, head_dim, theta, max_position_embeddings);
  else if (type == "llama3")
    out.inv_freq = llama3_inv_freq(scaling, head_dim, theta);
  else
    fail("rope_scaling: rope_type '", type, "' is not supported");
  out.inv_freq = out.inv_freq.to(device);
  return out;
}

std::pair<at::Tensor, at::Tensor> rope_cos_sin(const at::Tensor& position_ids, const at::Tensor& inv_freq,
                                               double attention_factor) {
  at::Tensor angles = position_ids.to(at::kFloat).unsqueeze(-1) * inv_freq;  // [B, T, d/2]
  at::Tensor emb = at::cat({angles, angles}, -1);                             // [B, T, d]
  if (attention_factor == 1.0) return {emb.cos(), emb.sin()};
  return {emb.cos() * attention_factor, emb.sin() * attention_factor};
}

at::Tensor apply_rope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  int64_t half = x.size(-1) / 2;
  at::Tensor rotated = at::cat({-x.narrow(-1, half, half), x.narrow(-1, 0, half)}, -1);
  at::Tensor c = cos.unsqueeze(1).to(x.scalar_type());  // [B, 1, T, d]: broadcast over heads
  at::Tensor s = sin.unsqueeze(1).to(x.scalar_type());
  return x * c + rotated * s;
}

}  // namespace lpo
