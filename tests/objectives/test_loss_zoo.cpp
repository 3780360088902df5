// Hand-computed checks of what the TRL golden file cannot hold: cpo (its NLL term), orpo's
// metrics, reference-free batches without reference log-probs, WPO weights, --is-average with
// token counts, weighted lists, KTO on unpaired data, and the errors of the new settings.
#include <cmath>

#include "objectives/preference_loss.hpp"
#include "test_support.hpp"
#include "util/error.hpp"
#include "loss_test_support.hpp"

namespace lpo::objectives {
namespace {

using test_support::f64;
using test_support::metric;

using test::error_of;

/// One pair, no reference: pc = −2 over 4 tokens, pr = −5 over 5 (means −0.5, −1).
PreferenceInputs unscored_pair() {
  PreferenceInputs in;
  in.policy_chosen = f64({-2}, true), in.policy_rejected = f64({-5}, true);
  in.chosen_tokens = f64({4}), in.rejected_tokens = f64({5});
  return in;
}

/// Two scored pairs (sums): x1 = [0.5, −0.5], x2 = [−1, 1].
PreferenceInputs scored_pairs() {
  PreferenceInputs in;
  in.policy_chosen = f64({-1, -2}, true), in.policy_rejected = f64({-3, -1}, true);
  in.ref_chosen = f64({-1.5, -1.5}), in.ref_rejected = f64({-2, -2});
  in.chosen_tokens = f64({2, 4}), in.rejected_tokens = f64({3, 1});
  return in;
}

}  // namespace

// cpo, β 0.1: −logσ(0.1·(−2 + 5)) + 1·(2/4) = log(1 + e^−0.3) + 0.5; no reference needed.
TEST(LossZoo, CpoIsSigmoidOnPolicyLogpsPlusAlphaNll) {
  LossConfig config;
  config.type = "cpo", config.beta = 0.1;
  PreferenceInputs in = unscored_pair();
  LossOutput out = preference_loss(config, in);
  EXPECT_NEAR(out.loss.item<double>(), 1.0543552444685271, 1e-12);
  EXPECT_NEAR(metric(out, "nll_loss"), 0.5, 1e-12);
  EXPECT_NEAR(metric(out, "rewards/chosen"), -0.2, 1e-12);  // β·pc, as CPOTrainer logs
  EXPECT_NEAR(metric(out, "rewards/margins"), 0.3, 1e-12);
  EXPECT_EQ(out.metrics.count("rewards/pl_minus_ref_choose"), 0u);
  out.loss.backward();
  // d/dpc: −0.1·σ(−0.3) − 1/4; d/dpr: +0.1·σ(−0.3).
  const double s = 1 / (1 + std::exp(0.3));
  EXPECT_NEAR(in.policy_chosen.grad().item<double>(), -0.1 * s - 0.25, 1e-12);
  EXPECT_NEAR(in.policy_rejected.grad().item<double>(), 0.1 * s, 1e-12);
  config.cpo_alpha = 0;
  EXPECT_NEAR(preference_loss(config, unscored_pair()).loss.item<double>(), 1.0543552444685271 - 0.5, 1e-12);
}

// orpo, β 0.1 on means −0.5, −1: log odds = 0.5 − (log(1 − e^−0.5) − log(1 − e^−1)).
TEST(LossZoo, OrpoLogsNllAndLogOddsRatio) {
  LossConfig config;
  config.type = "orpo", config.beta = 0.1;
  LossOutput out = preference_loss(config, unscored_pair());
  EXPECT_NEAR(metric(out, "log_odds_chosen"), 0.9740769841801067, 1e-12);
  EXPECT_NEAR(metric(out, "log_odds_ratio"), -0.3202997852375365, 1e-12);
  EXPECT_NEAR(metric(out, "nll_loss"), 0.5, 1e-12);
  EXPECT_NEAR(out.loss.item<double>(), 0.5320299785237537, 1e-12);
  EXPECT_NEAR(metric(out, "logps/chosen"), -0.5, 1e-12);  // per-token means, as ORPOTrainer logs
  EXPECT_NEAR(metric(out, "rewards/chosen"), -0.05, 1e-12);
}

TEST(LossZoo, ReferenceLossesRefuseUnscoredPairs) {
  LossConfig config;
  for (const char* type : {"sigmoid", "lpo-ste", "simpo,sigmoid"}) {
    config.type = type;
    std::string message = error_of([&] { preference_loss(config, unscored_pair()); });
    EXPECT_NE(message.find("needs reference log-probs"), std::string::npos) << message;
    EXPECT_NE(message.find("lpo ref-logprobs"), std::string::npos) << message;
  }
  config.type = "simpo", config.add_sft_loss = true;
  EXPECT_NE(error_of([&] { preference_loss(config, unscored_pair()); }).find("--add-sft-loss"), std::string::npos);
}

// WPO: each pair's loss times w_chosen·w_rejected (sigmoid, β 0.1).
TEST(LossZoo, UseWeightingScalesEachPair) {
  LossConfig config;
  config.type = "sigmoid", config.beta = 0.1;
  PreferenceInputs in = scored_pairs();
  EXPECT_NEAR(preference_loss(config, in).loss.item<double>(), 0.695957047789532, 1e-12);
  config.use_weighting = true;
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("WPO weights"), std::string::npos);
  in.chosen_weights = f64({0.5, 0.9}), in.rejected_weights = f64({0.4, 0.8});
  EXPECT_NEAR(preference_loss(config, in).loss.item<double>(), 0.3396402419831847, 1e-12);
  config.type = "aot";
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("sorts log-ratios"), std::string::npos);
}

// With token counts the inputs are sums; --is-average gives the seed's losses the means.
TEST(LossZoo, IsAverageDividesSumsByTokenCounts) {
  LossConfig config;
  config.type = "lpo-ste", config.is_average = true;
  PreferenceInputs in = scored_pairs();
  at::Tensor pc = f64({-0.5, -0.5}), pr = f64({-1, -1}), rc = f64({-0.75, -0.375}), rr = f64({-2.0 / 3, -2});
  EXPECT_NEAR(preference_loss(config, in).loss.item<double>(),
              preference_loss(config, pc, pr, rc, rr).loss.item<double>(), 1e-12);
  config.type = "sigmoid_norm";
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("drop --is-average"), std::string::npos);
}

// sigmoid,sft with weights 1, 0.2 (RPO) = sigmoid + 0.2·NLL; each part is logged.
TEST(LossZoo, WeightedListSumsTheMeans) {
  LossConfig config;
  config.type = "sigmoid,sft", config.beta = 0.1, config.loss_weights = {1, 0.2};
  LossOutput out = preference_loss(config, scored_pairs());
  const double nll = 3.0 / 6.0;  // −(−1 − 2) / (2 + 4)
  EXPECT_NEAR(metric(out, "loss/sigmoid"), 0.695957047789532, 1e-12);
  EXPECT_NEAR(metric(out, "loss/sft"), nll, 1e-12);
  EXPECT_NEAR(out.loss.item<double>(), 0.695957047789532 + 0.2 * nll, 1e-12);
  EXPECT_NEAR(metric(out, "rewards/chosen"), 0.0, 1e-12);  // β·mean(x1) = 0.1·0: the first loss's kind
  config.loss_weights = {1};
  EXPECT_NE(error_of([&] { preference_loss(config, scored_pairs()); }).find("1 loss weights for the 2"),
            std::string::npos);
  config.type = "sigmoid,,sft";
  EXPECT_NE(error_of([&] { preference_loss(config, scored_pairs()); }).find("empty name"), std::string::npos);
  config.type = "sft,sft";
  EXPECT_NE(error_of([&] { preference_loss(config, scored_pairs()); }).find("twice"), std::string::npos);
}

TEST(LossZoo, SettingsAreChecked) {
  LossConfig config;
  PreferenceInputs in = scored_pairs();
  config.type = "exo_pair";
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("must be > 0"), std::string::npos);
  config.type = "robust", config.label_smoothing = 0.5;
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("[0, 0.5)"), std::string::npos);
  config = LossConfig{};
  config.type = "discopop", config.discopop_tau = 0;
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("--discopop-tau"), std::string::npos);
  config = LossConfig{};
  config.f_divergence = "forward_kl";  // lpo-ste reads plain log-ratios
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("does not use the f-divergence"), std::string::npos);
  config.f_divergence = "kl";
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("unknown f-divergence 'kl'"), std::string::npos);
  config = LossConfig{};
  config.type = "sft";
  in.chosen_tokens = at::Tensor(), in.rejected_tokens = at::Tensor();
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("token counts"), std::string::npos);
}

// kto, β 0.5, w_d 1, w_u 2: completions x = [0.5, −0.5, −0.5], KL completions' log-ratios
// [0.5, 1, −1] (mean 1/6 = z), labels [desirable, undesirable, desirable]:
// [1 − σ(β(x0 − z)), 2(1 − σ(β(z − x1))), 1 − σ(β(x2 − z))], mean; no gradient through z.
TEST(LossZoo, KtoUsesTheDetachedBatchKlAndLabelWeights) {
  LossConfig config;
  config.type = "kto", config.beta = 0.5, config.undesirable_weight = 2;
  PreferenceInputs in;
  in.policy_chosen = f64({-1, -2, -3}, true), in.ref_chosen = f64({-1.5, -1.5, -2.5});
  in.policy_rejected = f64({-2, -1, -3}, true), in.ref_rejected = f64({-2.5, -2, -2});
  in.chosen_tokens = f64({2, 2, 2}), in.rejected_tokens = f64({2, 2, 2});
  in.desirable = at::tensor(std::vector<uint8_t>{1, 0, 1}, at::kByte).to(at::kBool);
  LossOutput out = preference_loss(config, in);
  EXPECT_NEAR(out.loss.item<double>(), 0.6252864367736285, 1e-12);
  EXPECT_NEAR(metric(out, "kl"), 1.0 / 6, 1e-12);
  EXPECT_NEAR(metric(out, "rewards/chosen"), 0.0, 1e-12);     // β·mean x over the desirable
  EXPECT_NEAR(metric(out, "rewards/rejected"), -0.25, 1e-12);  // β·mean x over the undesirable
  EXPECT_NEAR(metric(out, "rewards/margins"), 0.25, 1e-12);
  out.loss.backward();
  at::Tensor g = in.policy_chosen.grad();
  EXPECT_NEAR(g[0].item<double>(), -0.04137864915418696, 1e-12);
  EXPECT_NEAR(g[1].item<double>(), 0.08106072033492358, 1e-12);
  EXPECT_NEAR(g[2].item<double>(), -0.04053036016746179, 1e-12);
  EXPECT_TRUE(!in.policy_rejected.grad().defined() || in.policy_rejected.grad().abs().max().item<double>() == 0);
  // The KL estimate is clamped at 0 (KTOTrainer: kl.clamp(min=0)).
  in.ref_rejected = f64({0, 0, 0});
  EXPECT_NEAR(metric(preference_loss(config, in), "kl"), 0.0, 1e-15);

  in.desirable = at::Tensor();
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("needs unpaired KTO data"), std::string::npos);
  config.type = "kto,sft";
  EXPECT_NE(error_of([&] { preference_loss(config, in); }).find("cannot be combined"), std::string::npos);
}

// alpha_divergence at α = 1 is reverse_kl; forward_kl scores are −exp(−x).
TEST(LossZoo, FDivergenceScores) {
  LossConfig config;
  config.type = "sigmoid", config.beta = 0.5;
  PreferenceInputs in = scored_pairs();
  const double reverse = preference_loss(config, in).loss.item<double>();
  config.f_divergence = "alpha_divergence", config.f_alpha = 1.0;
  EXPECT_NEAR(preference_loss(config, in).loss.item<double>(), reverse, 1e-15);
  config.f_divergence = "forward_kl";
  // pair 1: −exp(−0.5) + exp(1); pair 2: −exp(0.5) + exp(−1).
  auto lsig = [](double z) { return -std::log1p(std::exp(-z)); };
  const double d1 = -std::exp(-0.5) + std::exp(1.0), d2 = -std::exp(0.5) + std::exp(-1.0);
  EXPECT_NEAR(preference_loss(config, in).loss.item<double>(), -(lsig(0.5 * d1) + lsig(0.5 * d2)) / 2, 1e-12);
}

}  // namespace lpo::objectives
