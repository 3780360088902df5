// Hand-computed checks of preference_loss: metrics, the lpo-ste gradient split,
// kto_pair with the positive regularizer, and input errors.
#include <cmath>

#include "objectives/preference_loss.hpp"
#include "objectives/registry.hpp"
#include "test_support.hpp"
#include "util/error.hpp"
#include "loss_test_support.hpp"

namespace lpo::objectives {
namespace {

using test_support::f64;
using test_support::metric;

using test::error_of;

}  // namespace

// lpo, beta 0.5 (offset 1, factor 2), gamma 2, with the positive regularizer.
// pc = [-1, -2.5], pr = [-3, -1], rc = [-1.5, -2], rr = [-2.75, -2]
// x1 = [0.5, -0.5], x2 = [-0.25, 1], logits = [0.75, -1.5]
// lpo values 2|logits - 1| = [0.5, 5] (mean 2.75); relu(rc - pc) = [0, 0.5] -> +[0, 1].
TEST(PreferenceLoss, HandComputedMetricsAndGradients) {
  LossConfig config{"lpo", 0.5, 2.0, 1.0, 0.2, 0.0, true, false};
  at::Tensor pc = f64({-1, -2.5}, true), pr = f64({-3, -1}, true);
  LossOutput out = preference_loss(config, pc, pr, f64({-1.5, -2}), f64({-2.75, -2}));
  EXPECT_DOUBLE_EQ(out.loss.item<double>(), 3.25);
  EXPECT_DOUBLE_EQ(metric(out, "train/xpo_wo_sft"), 2.75);
  EXPECT_DOUBLE_EQ(metric(out, "train/xpo_with_sft"), 3.25);
  EXPECT_DOUBLE_EQ(metric(out, "rewards/chosen"), 0.0);       // 0.5 * mean(0.5, -0.5)
  EXPECT_DOUBLE_EQ(metric(out, "rewards/rejected"), 0.1875);  // 0.5 * mean(-0.25, 1)
  EXPECT_DOUBLE_EQ(metric(out, "rewards/margins"), -0.1875);  // 0.5 * mean(0.75, -1.5)
  EXPECT_DOUBLE_EQ(metric(out, "rewards/accuracies"), 0.5);
  EXPECT_DOUBLE_EQ(metric(out, "logps/chosen"), -1.75);
  EXPECT_DOUBLE_EQ(metric(out, "logps/rejected"), -2.0);
  EXPECT_DOUBLE_EQ(metric(out, "rewards/pl_minus_ref_choose"), 0.0);
  EXPECT_DOUBLE_EQ(metric(out, "rewards/pl_minus_ref_reject"), 0.375);
  EXPECT_DOUBLE_EQ(metric(out, "train/pl_sft_loss_choose"), 1.75);
  EXPECT_EQ(out.metrics.count("r2_dynamic"), 0u);
  for (const auto& [name, value] : out.metrics) {
    EXPECT_FALSE(value.requires_grad()) << name;
    EXPECT_EQ(value.dim(), 0) << name;
  }
  out.loss.backward();
  // d/dpc = (2 sign(logits - 1) - gamma [rc > pc]) / B; d/dpr = -2 sign(logits - 1) / B.
  EXPECT_DOUBLE_EQ(pc.grad()[0].item<double>(), -1.0);
  EXPECT_DOUBLE_EQ(pc.grad()[1].item<double>(), -2.0);
  EXPECT_DOUBLE_EQ(pr.grad()[0].item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(pr.grad()[1].item<double>(), 1.0);
}

// lpo-ste, beta 0.5 (offset 1), r1 1, r2 0.25: factor 2·0.5·2/1.25 = 1.6.
// pc = -1, pr = -1.5, rc = -1, rr = -1.5: x1 = x2 = 0, x1 - x2 - 1 = -1.
// loss = 1.6·(1·1 + 0.25·1) = 2; d/dpc = -1.6·r1 = -1.6, d/dpr = +1.6·r2 = 0.4.
TEST(PreferenceLoss, LpoSteSplitsGradientsInRatioR1ToR2) {
  auto run = [](double r1, double r2) {
    LossConfig config{"lpo-ste", 0.5, 0.0, r1, r2, 0.0, false, false};
    at::Tensor pc = f64({-1}, true), pr = f64({-1.5}, true);
    LossOutput out = preference_loss(config, pc, pr, f64({-1}), f64({-1.5}));
    out.loss.backward();
    return std::vector<double>{out.loss.item<double>(), pc.grad().item<double>(),
                               pr.grad().item<double>()};
  };
  auto both = run(1.0, 0.25);
  EXPECT_DOUBLE_EQ(both[0], 2.0);
  EXPECT_DOUBLE_EQ(both[1], -1.6);
  EXPECT_DOUBLE_EQ(both[2], 0.4);
  // Only the chosen term (r2 = 0): x2 appears in it but is detached, so pr gets nothing.
  auto chosen_only = run(1.0, 0.0);
  EXPECT_DOUBLE_EQ(chosen_only[1], -2.0);  // -(2·0.5)·(2/1)·r1
  EXPECT_EQ(chosen_only[2], 0.0);
  // Only the rejected term (r1 = 0): pc gets nothing.
  auto rejected_only = run(0.0, 1.0);
  EXPECT_EQ(rejected_only[1], 0.0);
  EXPECT_DOUBLE_EQ(rejected_only[2], 2.0);  // (2·0.5)·(2/1)·r2
}

// lpo-ste-dynamic: r2 = exp(x2 - x1) per example. x1 = 0, x2 = ln 3 -> r2 = 3,
// beta 0.5: factor 2·0.5·2/(1+3) = 0.5; x1 - x2 - 1 = -(1 + ln 3).
TEST(PreferenceLoss, LpoSteDynamicReportsR2) {
  LossConfig config{"lpo-ste-dynamic", 0.5, 0.0, 7.0, 7.0, 0.0, false, false};
  at::Tensor pc = f64({-1}, true), pr = f64({-2 + std::log(3.0)}, true);
  LossOutput out = preference_loss(config, pc, pr, f64({-1}), f64({-2}));
  out.loss.backward();
  EXPECT_NEAR(metric(out, "r2_dynamic"), 3.0, 1e-12);
  EXPECT_NEAR(out.loss.item<double>(), 0.5 * 4 * (1 + std::log(3.0)), 1e-12);
  EXPECT_NEAR(pc.grad().item<double>(), -0.5, 1e-12);
  EXPECT_NEAR(pr.grad().item<double>(), 1.5, 1e-12);
}

TEST(PreferenceLoss, DpoIsAnAliasOfSigmoid) {
  LossConfig sigmoid{"sigmoid", 0.5, 0.0, 1.0, 0.2, 0.25, false, false};
  LossConfig dpo = sigmoid;
  dpo.type = "dpo";
  auto a = preference_loss(sigmoid, f64({-1}), f64({-3}), f64({-2}), f64({-2}));
  auto b = preference_loss(dpo, f64({-1}), f64({-3}), f64({-2}), f64({-2}));
  // logits 2, beta·logits 1: 0.75·log(1 + e^-1) + 0.25·log(1 + e).
  double want = 0.75 * std::log1p(std::exp(-1.0)) + 0.25 * std::log1p(std::exp(1.0));
  EXPECT_NEAR(a.loss.item<double>(), want, 1e-12);
  EXPECT_EQ(a.loss.item<double>(), b.loss.item<double>());
}

// The seed broadcasts the [B] regularizer onto kto_pair's [2B] values (works only for
// B = 1, adding it to both halves); we add it to both halves for any B.
TEST(PreferenceLoss, KtoPairPositiveRegularizerAppliesToBothHalves) {
  LossConfig config{"kto_pair", 0.1, 3.0, 1.0, 0.2, 0.0, false, false};
  at::Tensor pc = f64({-1, -2, -0.5}), pr = f64({-3, -1, -2});
  at::Tensor rc = f64({-1.5, -1.5, -1}), rr = f64({-2, -2, -2});
  double plain = preference_loss(config, pc, pr, rc, rr).loss.item<double>();
  config.add_sft_loss = true;
  LossOutput out = preference_loss(config, pc, pr, rc, rr);
  // relu(rc - pc) = [0, 0.5, 0], mean 1/6.
  EXPECT_NEAR(out.loss.item<double>(), plain + 3.0 / 6.0, 1e-12);
}

// sigmoid with label smoothing ε = 0.25 (conservative DPO), β = 0.5: the gradient, not only
// the value. pc = [-1, -2], pr = [-2, -1], rc = rr = [-1.5, -1.5] -> logits z = [1, -1].
// loss_i = −(1−ε)·log σ(βz) − ε·log σ(−βz) = [0.599077, 0.849077], mean 0.724076984180;
// ∂loss/∂pc_i = (β/B)·(σ(βz_i) − (1 − ε)) = [−0.031885167200, −0.093114832800] = −∂loss/∂pr_i
// (without smoothing: [−0.0943852, −0.1556148]).
TEST(PreferenceLoss, LabelSmoothingShapesTheSigmoidGradient) {
  LossConfig config{"sigmoid", 0.5, 0.0, 1.0, 0.2, 0.25, false, false};
  at::Tensor pc = f64({-1, -2}, true), pr = f64({-2, -1}, true);
  LossOutput out = preference_loss(config, pc, pr, f64({-1.5, -1.5}), f64({-1.5, -1.5}));
  out.loss.backward();
  EXPECT_NEAR(out.loss.item<double>(), 0.724076984180, 1e-11);
  const std::vector<double> want{-0.031885167200, -0.093114832800};
  for (int64_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(pc.grad()[i].item<double>(), want[static_cast<size_t>(i)], 1e-11) << i;
    EXPECT_NEAR(pr.grad()[i].item<double>(), -want[static_cast<size_t>(i)], 1e-11) << i;
  }
  EXPECT_NEAR(metric(out, "rewards/margins"), 0.0, 1e-12);  // β·z = [0.5, -0.5]
  // ε = 0.5: both labels equally likely, the gradient at z = ±1 is (β/B)·(σ(±0.5) − 0.5).
  config.label_smoothing = 0.5;
  at::Tensor pc2 = f64({-1, -2}, true), pr2 = f64({-2, -1}, true);
  preference_loss(config, pc2, pr2, f64({-1.5, -1.5}), f64({-1.5, -1.5})).loss.backward();
  EXPECT_NEAR(pc2.grad()[0].item<double>(), 0.25 * (1 / (1 + std::exp(-0.5)) - 0.5), 1e-12);
  EXPECT_NEAR(pc2.grad()[1].item<double>(), 0.25 * (1 / (1 + std::exp(0.5)) - 0.5), 1e-12);
}

TEST(PreferenceLoss, RegistryListsTheSeedNamesThenTrls) {
  std::vector<std::string> want = {"sigmoid", "dpo", "hinge", "ipo", "lpo", "lpo-r", "lpo-ste", "lpo-ste-dynamic",
                                   "kto_pair", "ipo_norm", "exo_pair", "nca_pair", "robust", "bco_pair",
                                   "sppo_hard", "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop", "sft",
                                   "sigmoid_norm", "simpo", "cpo", "orpo", "kto"};
  EXPECT_EQ(loss_type_names(), want);
  for (const char* name : {"sft", "simpo", "cpo", "orpo"}) EXPECT_FALSE(find_loss(name).needs_reference) << name;
  for (const char* name : {"sigmoid", "lpo-ste", "ipo_norm", "aot", "apo_zero"})
    EXPECT_TRUE(find_loss(name).needs_reference) << name;
  EXPECT_TRUE(needs_reference("simpo,sigmoid"));
  EXPECT_FALSE(needs_reference("simpo,sft"));
}

TEST(PreferenceLoss, ErrorsNameTheProblem) {
  at::Tensor one = f64({-1}), two = f64({-1, -2});
  LossConfig config;
  config.type = "nonsense";
  std::string message = error_of([&] { preference_loss(config, one, one, one, one); });
  EXPECT_NE(message.find("unknown loss type 'nonsense'"), std::string::npos) << message;
  for (const auto& name : loss_type_names())
    EXPECT_NE(message.find(name), std::string::npos) << message;

  config = LossConfig{};
  config.beta = 0;
  EXPECT_NE(error_of([&] { preference_loss(config, one, one, one, one); }).find("beta must be > 0"),
            std::string::npos);
  config = LossConfig{};
  config.r1 = 0.5;
  config.r2 = -0.5;
  EXPECT_NE(error_of([&] { preference_loss(config, one, one, one, one); }).find("r1 + r2"),
            std::string::npos);
  config = LossConfig{};
  message = error_of([&] { preference_loss(config, one, two, one, one); });
  EXPECT_NE(message.find("policy_rejected has shape [2]"), std::string::npos) << message;
  message = error_of([&] { preference_loss(config, one.view({1, 1}), one, one, one); });
  EXPECT_NE(message.find("must be 1-D"), std::string::npos) << message;
  at::Tensor ids = at::ones({1}, at::kLong);
  message = error_of([&] { preference_loss(config, one, one, ids, one); });
  EXPECT_NE(message.find("ref_chosen must be float"), std::string::npos) << message;
}

}  // namespace lpo::objectives
