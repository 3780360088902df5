// Every case of ../shared/losses-zoo-golden.json (transcribed from huggingface/trl at f2cd577:
// DPOTrainer._compute_loss, CPOTrainer, ORPOTrainer): mean loss and its gradients w.r.t. the
// summed policy log-probs, float64, 1e-6 relative. TRL names map onto lpo's where they differ.
#include <cmath>
#include <fstream>
#include <set>

#include "objectives/preference_loss.hpp"
#include "objectives/registry.hpp"
#include "test_support.hpp"

namespace lpo::objectives {
namespace {

at::Tensor f64(const nlohmann::json& values, bool requires_grad = false) {
  auto t = at::tensor(values.get<std::vector<double>>(), at::kDouble);
  return requires_grad ? t.requires_grad_() : t;
}

/// Whether got matches want to 1e-6 relative (a failure is reported).
bool expect_close(double got, double want, const std::string& what) {
  const bool ok = std::abs(got - want) <= 1e-6 * std::abs(want) + 1e-12;
  EXPECT_TRUE(ok) << what << ": got " << got << ", want " << want;
  return ok;
}

/// `grad` is an input's .grad(): undefined when the loss does not depend on it (sft and the
/// rejected log-probs), which is a zero gradient.
bool expect_close(const at::Tensor& grad, const nlohmann::json& want, const std::string& what) {
  auto w = want.get<std::vector<double>>();
  const at::Tensor got = grad.defined() ? grad : at::zeros({static_cast<int64_t>(w.size())}, at::kDouble);
  EXPECT_EQ(got.numel(), static_cast<int64_t>(w.size())) << what;
  if (got.numel() != static_cast<int64_t>(w.size())) return false;
  bool ok = true;
  for (size_t i = 0; i < w.size(); ++i)
    ok = expect_close(got[i].item<double>(), w[i], what + "[" + std::to_string(i) + "]") && ok;
  return ok;
}

/// TRL's loss type name -> lpo's (only where they differ in meaning: the seed's `ipo` sums).
std::string lpo_name(const std::string& trl) { return trl == "ipo" ? "ipo_norm" : trl; }

LossConfig config_of(const nlohmann::json& c) {
  LossConfig config;
  const nlohmann::json& type = c.at("loss_type");
  if (type.is_array()) {
    config.type.clear();
    for (const auto& t : type) config.type += (config.type.empty() ? "" : ",") + lpo_name(t.get<std::string>());
  } else {
    config.type = lpo_name(type.get<std::string>());
  }
  if (!c.at("loss_weights").is_null()) config.loss_weights = c.at("loss_weights").get<std::vector<double>>();
  config.beta = c.at("beta").get<double>();
  config.label_smoothing = c.at("label_smoothing").get<double>();
  config.simpo_gamma = c.at("simpo_gamma").get<double>();
  config.discopop_tau = c.at("discopop_tau").get<double>();
  config.f_divergence = c.at("f_divergence_type").get<std::string>();
  config.f_alpha = c.at("f_alpha_divergence_coef").get<double>();
  // TRL's CPO simpo with cpo_alpha 0, as SimPO recommends (lpo's simpo has no NLL term; cpo has).
  config.cpo_alpha = c.value("cpo_alpha", 0.0);
  // TRL's DPOTrainer sigmoid ignores label_smoothing; lpo's keeps the seed's cDPO smoothing.
  if (config.type == "sigmoid") config.label_smoothing = 0;
  return config;
}

}  // namespace

TEST(LossZooGolden, MatchesEveryCaseOfTheTrlTranscription) {
  LPO_REQUIRE_SHARED("losses-zoo-golden.json");
  std::ifstream in(test::shared_path("losses-zoo-golden.json"));
  nlohmann::json cases = nlohmann::json::parse(in);
  ASSERT_GE(cases.size(), 46u);
  std::set<std::string> types;
  int matched = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto& c = cases[i];
    const LossConfig config = config_of(c);
    SCOPED_TRACE("case " + std::to_string(i) + " (" + config.type + ", " + config.f_divergence + ")");
    for (const LossEntry* e : find_losses(config.type)) types.insert(e->name);
    PreferenceInputs inputs;
    inputs.policy_chosen = f64(c.at("policy_chosen_logps"), true);
    inputs.policy_rejected = f64(c.at("policy_rejected_logps"), true);
    inputs.ref_chosen = f64(c.at("reference_chosen_logps"));
    inputs.ref_rejected = f64(c.at("reference_rejected_logps"));
    inputs.chosen_tokens = f64(c.at("chosen_lengths"));
    inputs.rejected_tokens = f64(c.at("rejected_lengths"));
    LossOutput out = preference_loss(config, inputs);
    out.loss.backward();
    bool ok = expect_close(out.loss.item<double>(), c.at("loss").get<double>(), "loss");
    ok = expect_close(inputs.policy_chosen.grad(), c.at("grad_policy_chosen"), "grad_policy_chosen") && ok;
    ok = expect_close(inputs.policy_rejected.grad(), c.at("grad_policy_rejected"), "grad_policy_rejected") && ok;
    matched += ok;
  }
  std::cout << "LossZooGolden: " << matched << "/" << cases.size() << " cases matched\n";
  EXPECT_EQ(matched, static_cast<int>(cases.size()));
  // Which of TRL's DPO loss types, SimPO and ORPO the file exercised (ipo as ipo_norm): a
  // report, not a requirement, so a file of other cases runs too.
  std::string missing;
  for (const char* name : {"sigmoid", "hinge", "ipo_norm", "exo_pair", "nca_pair", "robust", "bco_pair", "sppo_hard",
                           "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop", "sft", "sigmoid_norm", "simpo",
                           "orpo"})
    if (!types.count(name)) missing += std::string(missing.empty() ? "" : ", ") + name;
  if (!missing.empty()) std::cout << "LossZooGolden: no case of " << missing << "\n";
}

}  // namespace lpo::objectives
