// Sampler: greedy, top-k, top-p and seeding, against hand-computed distributions.
#include "generation/sampler.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

// logits whose softmax is exactly {0.5, 0.3, 0.15, 0.05} in every row.
at::Tensor four_way(int64_t rows) {
  return at::tensor({0.5, 0.3, 0.15, 0.05}, at::kDouble).log().to(at::kFloat).unsqueeze(0).repeat({rows, 1});
}

// Fraction of draws equal to each id.
std::vector<double> frequencies(const at::Tensor& ids, int64_t vocab) {
  std::vector<double> f(vocab, 0.0);
  for (int64_t i = 0; i < ids.size(0); ++i) f[ids[i].item<int64_t>()] += 1.0 / ids.size(0);
  return f;
}

TEST(Sampler, GreedyIsArgmaxWithLowestIdOnTies) {
  Sampler s({0.0, 1.0, 0});
  at::Tensor logits = at::tensor({0.1f, 2.0f, 2.0f, -1.0f, 5.0f, 0.0f, 0.0f, 0.0f}).view({2, 4});
  at::Tensor ids = s.sample(logits);
  EXPECT_EQ(ids[0].item<int64_t>(), 1);
  EXPECT_EQ(ids[1].item<int64_t>(), 0);
}

TEST(Sampler, TemperatureOneFollowsSoftmax) {
  Sampler s({1.0, 1.0, 0}, 123);
  auto f = frequencies(s.sample(four_way(20000)), 4);
  EXPECT_NEAR(f[0], 0.5, 0.015);
  EXPECT_NEAR(f[1], 0.3, 0.015);
  EXPECT_NEAR(f[2], 0.15, 0.015);
  EXPECT_NEAR(f[3], 0.05, 0.01);
}

TEST(Sampler, TopKRenormalisesOverKBest) {
  Sampler s({1.0, 1.0, 2}, 5);
  auto f = frequencies(s.sample(four_way(20000)), 4);
  EXPECT_NEAR(f[0], 0.5 / 0.8, 0.015);
  EXPECT_NEAR(f[1], 0.3 / 0.8, 0.015);
  EXPECT_EQ(f[2] + f[3], 0.0);
}

TEST(Sampler, TopPKeepsSmallestSetReachingMass) {
  Sampler s({1.0, 0.9, 0}, 9);  // 0.5 + 0.3 < 0.9 <= 0.95: keeps three tokens
  auto f = frequencies(s.sample(four_way(20000)), 4);
  EXPECT_NEAR(f[0], 0.5 / 0.95, 0.015);
  EXPECT_NEAR(f[2], 0.15 / 0.95, 0.015);
  EXPECT_EQ(f[3], 0.0);
  Sampler tiny({1.0, 0.01, 0}, 9);  // only the best token survives
  EXPECT_TRUE(tiny.sample(four_way(100)).eq(0).all().item<bool>());
}

TEST(Sampler, LowTemperatureSharpens) {
  Sampler s({0.25, 1.0, 0}, 3);  // p ∝ p^4: 0.0625 vs 0.0081 vs ...
  auto f = frequencies(s.sample(four_way(20000)), 4);
  double z = 0.0625 + 0.0081 + 0.00050625 + 0.00000625;
  EXPECT_NEAR(f[0], 0.0625 / z, 0.01);
}

TEST(Sampler, SameSeedSameDraws) {
  Sampler a({0.8, 0.95, 3}, 42), b({0.8, 0.95, 3}, 42), c({0.8, 0.95, 3}, 43);
  at::Tensor x = a.sample(four_way(64)), y = b.sample(four_way(64)), z = c.sample(four_way(64));
  EXPECT_TRUE(at::equal(x, y));
  EXPECT_FALSE(at::equal(x, z));
}

TEST(Sampler, RejectsBadOptions) {
  EXPECT_THROW(Sampler({-1.0, 1.0, 0}), Error);
  EXPECT_THROW(Sampler({1.0, 0.0, 0}), Error);
  EXPECT_THROW(Sampler({1.0, 1.5, 0}), Error);
  EXPECT_THROW(Sampler({1.0, 1.0, -2}), Error);
}

}  // namespace
}  // namespace lpo
