// RoPE frequency variants against hand-computed values (formulas of transformers'
// modeling_rope_utils.py, worked through on small head dims in the comments).
#include "model/rope.hpp"
#include "model_test_support.hpp"

namespace lpo {
namespace {

RopeScaling scaling(const std::string& type, double factor) {
  RopeScaling s;
  s.type = type;
  s.factor = factor;
  return s;
}

void expect_values(const at::Tensor& got, const std::vector<double>& want, double rel = 1e-5) {
  ASSERT_EQ(got.numel(), static_cast<int64_t>(want.size()));
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(got[i].item<double>(), want[i], rel * std::abs(want[i])) << "index " << i;
}

TEST(RopeScaling, DefaultAndLinear) {
  // head_dim 4, theta 1e4: 1 / 1e4^(0/4, 2/4) = 1, 0.01; linear divides by the factor.
  expect_values(rope_frequencies({}, 4, 1e4, 64, 0).inv_freq, {1.0, 0.01});
  expect_values(rope_frequencies(scaling("linear", 2.0), 4, 1e4, 64, 0).inv_freq, {0.5, 0.005});
}

TEST(RopeScaling, DynamicGrowsOnlyPastTheContext) {
  // factor 2, context 8, 16 positions: base 1e4·(2·16/8 − 1)^(4/2) = 9e4 -> 1, 1/300.
  RopeScaling s = scaling("dynamic", 2.0);
  expect_values(rope_frequencies(s, 4, 1e4, 8, 16).inv_freq, {1.0, 1.0 / 300});
  expect_values(rope_frequencies(s, 4, 1e4, 8, 8).inv_freq, {1.0, 0.01});
}

TEST(RopeScaling, Llama3ThreeBands) {
  // head_dim 8, theta 1e4: inv 1, 0.1, 0.01, 0.001; wavelengths 2π/inv = 6.28, 62.8, 628, 6283.
  // original 1000, low 1 / high 4: long band > 1000 (÷8), short band < 250 (kept), and 628 in
  // between: s = (1000/628.3 − 1)/3 = 0.19718, (1 − s)·0.01/8 + s·0.01 = 0.0029753.
  RopeScaling s = scaling("llama3", 8.0);
  s.original_max_position_embeddings = 1000;
  s.low_freq_factor = 1.0;
  s.high_freq_factor = 4.0;
  const double smooth = (1000 / (2 * M_PI / 0.01) - 1) / 3;
  expect_values(rope_frequencies(s, 8, 1e4, 8192, 0).inv_freq,
                {1.0, 0.1, (1 - smooth) * 0.01 / 8 + smooth * 0.01, 0.001 / 8});
  EXPECT_NEAR((1 - smooth) * 0.01 / 8 + smooth * 0.01, 0.0029753, 1e-6);
}

TEST(RopeScaling, YarnRampAndAttentionFactor) {
  // head_dim 8, theta 1e4, factor 4, original 64: correction dims 8·ln(64/(r·2π))/(2 ln 1e4) are
  // −0.497 (r = 32, floor -> 0) and 1.008 (r = 1, ceil -> 2); ramp (i − 0)/2 = 0, .5, 1, 1
  // blends the extrapolated 1, 0.1, 0.01, 0.001 with the interpolated ones (÷4).
  RopeScaling s = scaling("yarn", 4.0);
  s.original_max_position_embeddings = 64;
  RopeFrequencies f = rope_frequencies(s, 8, 1e4, 256, 0);
  expect_values(f.inv_freq, {1.0, 0.5 * 0.1 + 0.5 * 0.025, 0.0025, 0.00025});
  EXPECT_NEAR(f.attention_factor, 0.1 * std::log(4.0) + 1, 1e-12);
  s.attention_factor = 1.5;
  EXPECT_DOUBLE_EQ(rope_frequencies(s, 8, 1e4, 256, 0).attention_factor, 1.5);
  s.attention_factor.reset();
  s.mscale = 1.0;
  s.mscale_all_dim = 0.5;  // DeepSeek's ratio: (0.1·ln4 + 1) / (0.05·ln4 + 1)
  EXPECT_NEAR(rope_frequencies(s, 8, 1e4, 256, 0).attention_factor,
              (0.1 * std::log(4.0) + 1) / (0.05 * std::log(4.0) + 1), 1e-12);
}

TEST(RopeScaling, CosSinCarryTheAttentionFactor) {
  at::Tensor pos = at::tensor({0, 3}, at::kLong).unsqueeze(0);
  auto [cos, sin] = rope_cos_sin(pos, at::tensor({1.0f, 0.5f}), 2.0);
  EXPECT_NEAR(cos[0][1][0].item<double>(), 2 * std::cos(3.0), 1e-6);
  EXPECT_NEAR(sin[0][1][3].item<double>(), 2 * std::sin(1.5), 1e-6);
  EXPECT_NEAR(cos[0][0][2].item<double>(), 2.0, 1e-6);
}

}  // namespace
}  // namespace lpo
