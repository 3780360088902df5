// Every case of ../shared/losses-golden.json (a transcription of the seed's
// loss_func_xpo): mean loss and its gradients w.r.t. the policy logps, float64, 1e-6
// relative.
#include <cmath>
#include <fstream>
#include <set>

#include "objectives/preference_loss.hpp"
#include "test_support.hpp"

namespace lpo::objectives {
namespace {

at::Tensor f64(const nlohmann::json& values, bool requires_grad = false) {
  auto t = at::tensor(values.get<std::vector<double>>(), at::kDouble);
  return requires_grad ? t.requires_grad_() : t;
}

void expect_close(double got, double want, const std::string& what) {
  EXPECT_LE(std::abs(got - want), 1e-6 * std::abs(want) + 1e-12)
      << what << ": got " << got << ", want " << want;
}

void expect_close(const at::Tensor& got, const nlohmann::json& want, const std::string& what) {
  auto w = want.get<std::vector<double>>();
  ASSERT_EQ(got.numel(), static_cast<int64_t>(w.size())) << what;
  for (size_t i = 0; i < w.size(); ++i)
    expect_close(got[i].item<double>(), w[i], what + "[" + std::to_string(i) + "]");
}

LossConfig config_of(const nlohmann::json& c) {
  LossConfig config;
  config.type = c.at("loss_type").get<std::string>();
  config.beta = c.at("beta").get<double>();
  config.gamma = c.at("gamma").get<double>();
  config.r1 = c.at("r1").get<double>();
  config.r2 = c.at("r2").get<double>();
  config.label_smoothing = c.at("label_smoothing").get<double>();
  config.add_sft_loss = c.at("add_sft_loss").get<bool>();
  return config;
}

}  // namespace

TEST(PreferenceLossGolden, MatchesEveryCaseOfTheSeedTranscription) {
  LPO_REQUIRE_SHARED("losses-golden.json");
  std::ifstream in(test::shared_path("losses-golden.json"));
  nlohmann::json cases = nlohmann::json::parse(in);
  ASSERT_EQ(cases.size(), 30u);
  std::set<std::string> types;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    LossConfig config = config_of(c);
    types.insert(config.type);
    SCOPED_TRACE("case " + std::to_string(i) + " (" + config.type + ")");
    at::Tensor pc = f64(c.at("policy_chosen_logps"), true);
    at::Tensor pr = f64(c.at("policy_rejected_logps"), true);
    LossOutput out = preference_loss(config, pc, pr, f64(c.at("reference_chosen_logps")),
                                     f64(c.at("reference_rejected_logps")));
    out.loss.backward();
    expect_close(out.loss.item<double>(), c.at("loss").get<double>(), "loss");
    expect_close(pc.grad(), c.at("grad_policy_chosen"), "grad_policy_chosen");
    expect_close(pr.grad(), c.at("grad_policy_rejected"), "grad_policy_rejected");
  }
  EXPECT_EQ(types.size(), 8u);  // every seed loss type is covered
}

}  // namespace lpo::objectives
