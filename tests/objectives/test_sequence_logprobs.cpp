// Token log-probs (the label shift), the chunked variant against the direct one, and
// the masked per-sequence reductions.
#include <cmath>

#include "objectives/sequence_logprobs.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace lpo::objectives {
namespace {

/// Max over elements of |a - b| / (rtol·|b| + atol); <= 1 means close.
double closeness(const at::Tensor& a, const at::Tensor& b, double rtol, double atol) {
  return ((a - b).abs() / (b.abs() * rtol + atol)).max().item<double>();
}

}  // namespace

TEST(SequenceLogprobs, NextTokenLabelsShiftLeftAndIgnoreTheLastPosition) {
  at::Tensor tokens = at::tensor({5, 6, 7, 1, 2, 3}, at::kLong).view({2, 3});
  at::Tensor want = at::tensor(std::vector<int64_t>{6, 7, kIgnoreLabel, 2, 3, kIgnoreLabel}).view({2, 3});
  EXPECT_TRUE(at::equal(next_token_labels(tokens), want));
}

// A "model" whose logits at position t put 10 on tokens[t + 1] and 0 on the other 7
// ids: with the right shift every scored position gets log p = -log(1 + 7e^-10); an
// off-by-one (scoring tokens[t] at t) gets 0 - log(e^10 + 7) instead.
TEST(SequenceLogprobs, LabelAtTIsScoredByLogitsAtT) {
  std::vector<int64_t> ids = {1, 3, 5, 2, 7};
  int64_t T = ids.size(), V = 8;
  at::Tensor tokens = at::tensor(ids, at::kLong).view({1, T});
  at::Tensor logits = at::zeros({1, T, V});
  for (int64_t t = 0; t + 1 < T; ++t) logits[0][t][ids[t + 1]] = 10.0;
  at::Tensor logps = token_logprobs(logits, next_token_labels(tokens));
  ASSERT_EQ(logps.sizes(), (std::vector<int64_t>{1, T}));
  EXPECT_EQ(logps.scalar_type(), at::kFloat);
  double right = -std::log1p(7 * std::exp(-10.0));
  for (int64_t t = 0; t + 1 < T; ++t) EXPECT_NEAR(logps[0][t].item<double>(), right, 1e-6) << t;
  EXPECT_EQ(logps[0][T - 1].item<double>(), 0.0);  // the last position predicts nothing
  at::Tensor unshifted = token_logprobs(logits, tokens);
  EXPECT_NEAR(unshifted[0][1].item<double>(), -std::log(std::exp(10.0) + 7), 1e-4);
}

TEST(SequenceLogprobs, MatchesLogSoftmaxAndItsGradient) {
  at::manual_seed(1);
  at::Tensor logits = at::randn({2, 5, 11}, at::kDouble).requires_grad_();
  at::Tensor labels = at::randint(0, 11, {2, 5}, at::kLong);
  at::Tensor got = token_logprobs(logits, labels);
  EXPECT_EQ(got.scalar_type(), at::kDouble);
  at::Tensor want = at::log_softmax(logits, -1).gather(-1, labels.unsqueeze(-1)).squeeze(-1);
  EXPECT_LT(closeness(got, want, 1e-12, 1e-12), 1.0);
  auto g1 = torch::autograd::grad({got.sum()}, {logits})[0];
  auto g2 = torch::autograd::grad({want.sum()}, {logits})[0];
  EXPECT_LT(closeness(g1, g2, 1e-12, 1e-12), 1.0);
}

TEST(SequenceLogprobs, ChunkedEqualsDirectInValuesAndGradients) {
  at::manual_seed(0);
  const int64_t N = 37, H = 16, V = 50;
  at::Tensor hidden = at::randn({N, H}).requires_grad_();
  at::Tensor weight = (at::randn({V, H}) * 0.5).requires_grad_();
  at::Tensor labels = at::randint(0, V, {N}, at::kLong);
  labels[3] = kIgnoreLabel;
  labels[20] = kIgnoreLabel;
  at::Tensor upstream = at::randn({N});

  at::Tensor direct = token_logprobs(at::matmul(hidden, weight.t()).unsqueeze(0),
                                     labels.unsqueeze(0)).squeeze(0);
  auto want = torch::autograd::grad({(direct * upstream).sum()}, {hidden, weight});
  for (int64_t chunk : {1, 8, 37, 100}) {
    SCOPED_TRACE("chunk_rows " + std::to_string(chunk));
    at::Tensor chunked = token_logprobs_chunked(hidden, weight, labels, chunk);
    EXPECT_EQ(chunked.scalar_type(), at::kFloat);
    EXPECT_LT(closeness(chunked, direct.detach(), 1e-5, 1e-6), 1.0);
    EXPECT_EQ(chunked[3].item<float>(), 0.0f);
    auto got = torch::autograd::grad({(chunked * upstream).sum()}, {hidden, weight});
    EXPECT_LT(closeness(got[0], want[0], 1e-5, 1e-6), 1.0);
    EXPECT_LT(closeness(got[1], want[1], 1e-5, 1e-6), 1.0);
  }
}

TEST(SequenceLogprobs, ChunkedRejectsBadInput) {
  at::Tensor hidden = at::randn({4, 3}), weight = at::randn({5, 3});
  at::Tensor labels = at::tensor({0, 1, 2, 5}, at::kLong);
  EXPECT_THROW(token_logprobs_chunked(hidden, weight, labels, 2), Error);  // 5 >= V
  labels[3] = 4;
  EXPECT_THROW(token_logprobs_chunked(hidden, weight, labels, 0), Error);
  EXPECT_THROW(token_logprobs_chunked(hidden, at::randn({5, 4}), labels, 2), Error);
}

// Two responses of 3 and 1 tokens padded to 4; the pads hold NaN / -inf and must not
// leak. Sums -6 and -4; means divide by 3 and 1 (not by 4).
TEST(SequenceLogprobs, AverageDividesByResponseTokensNotPaddedLength) {
  double nan = std::nan(""), inf = INFINITY;
  at::Tensor logps = at::tensor({-1.0, -2.0, -3.0, nan, -4.0, -inf, nan, 0.0}, at::kDouble).view({2, 4});
  at::Tensor mask = at::tensor({1, 1, 1, 0, 1, 0, 0, 0}, at::kLong).view({2, 4});
  at::Tensor sum = sequence_logps(logps, mask, false), mean = sequence_logps(logps, mask, true);
  EXPECT_DOUBLE_EQ(sum[0].item<double>(), -6.0);
  EXPECT_DOUBLE_EQ(sum[1].item<double>(), -4.0);
  EXPECT_DOUBLE_EQ(mean[0].item<double>(), -2.0);
  EXPECT_DOUBLE_EQ(mean[1].item<double>(), -4.0);
  EXPECT_TRUE(at::equal(sequence_logps(logps, mask.to(at::kBool), true), mean));
  // SFT: 10 nats over 4 response tokens.
  EXPECT_DOUBLE_EQ(sft_loss(logps, mask).item<double>(), 2.5);
}

TEST(SequenceLogprobs, EmptyMaskIsAnError) {
  at::Tensor logps = at::zeros({2, 3});
  at::Tensor mask = at::tensor({1, 0, 0, 0, 0, 0}, at::kLong).view({2, 3});
  try {
    sequence_logps(logps, mask, true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("row 1 has no response tokens"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(sft_loss(logps, at::zeros({2, 3})), Error);
  EXPECT_THROW(sequence_logps(logps, at::ones({3, 2}), false), Error);
}

TEST(SequenceLogprobs, RejectsOutOfRangeLabels) {
  at::Tensor logits = at::zeros({1, 2, 4});
  EXPECT_THROW(token_logprobs(logits, at::tensor({0, 4}, at::kLong).view({1, 2})), Error);
  EXPECT_THROW(token_logprobs(logits, at::tensor({0, -1}, at::kLong).view({1, 2})), Error);
  EXPECT_THROW(token_logprobs(logits, at::zeros({1, 3}, at::kLong)), Error);
}

}  // namespace lpo::objectives
