// The step-1 invariant: when the reference log-probs come from the ref-logprobs step
// (pipeline::score_pairs, written and read back as `lpo ref-logprobs` and `lpo train` do) on
// the very model being trained, the first step's policy equals the reference, so its rewards
// and margins are 0 (to float rounding) and the loss takes its closed form at x1 = x2 = 0.
// Any sum/mean or token-count mismatch between scoring and training breaks this; checked for
// every loss type, summed and averaged log-probs, and every layout of the micro-batch.
#include <algorithm>
#include <cmath>
#include <map>

#include "data/scored_pairs.hpp"
#include "objectives/registry.hpp"
#include "pipeline/ref_logprobs.hpp"
#include "training/trainer_fixture.hpp"
#include "training/training_data.hpp"

namespace lpo::pipeline {
namespace {

// Each loss at x1 = x2 = 0 with the defaults β = 0.2, γ = 10, r1 = 1, r2 = 0.2 (c = 1/(2β) = 2.5):
double closed_form(const std::string& type) {
  static const std::map<std::string, double> values{
      {"sigmoid", std::log(2.0)},  // −log σ(0)
      {"dpo", std::log(2.0)},
      {"hinge", 1.0},              // relu(1 − 0)
      {"ipo", 6.25},               // (0 − c)² = 1/(4β²)
      {"lpo", 2.0},                // 4β·|0 − c| = 2
      {"lpo-r", 2.0},              // 4β·|0 − 0 − c|
      {"lpo-ste", 2.0},            // 4β/(r1+r2)·(r1 + r2)·c
      {"lpo-ste-dynamic", 2.0},    // r2 = e⁰/e⁰ = 1: the same
      {"kto_pair", 0.5},           // 1 − σ(0) for both halves
      // TRL's (DPOTrainer._compute_loss) at zero rewards:
      {"ipo_norm", 6.25},                          // (0 − c)²
      {"exo_pair", -std::log(2.0) - 0.5 * std::log1p(-1e-3) - 0.5 * std::log(1e-3)},  // ε = 1e-3
      {"nca_pair", 2 * std::log(2.0)},             // −logσ(0) − ½logσ(0) − ½logσ(0)
      {"robust", std::log(2.0)},
      {"bco_pair", 2 * std::log(2.0)},             // −logσ(0) − logσ(0)
      {"sppo_hard", 12.5},                         // (0 − 1/(2β))² + (0 + 1/(2β))²
      {"aot", std::log(2.0)},
      {"aot_unpaired", std::log(2.0)},
      {"apo_zero", 1.0},                           // 1 − σ(0) + σ(0)
      {"apo_down", 1.0},                           // σ(0) + 1 − σ(0)
      {"discopop", 0.5 * std::log(2.0) + 0.5},     // logσ mix σ(0) = ½ with e⁰
      {"sigmoid_norm", std::log(2.0)},
  };
  auto it = values.find(type);
  if (it == values.end()) ADD_FAILURE() << "loss '" << type << "' has no closed form here: add it";
  return it == values.end() ? NAN : it->second;
}

}  // namespace

TEST(StepOneInvariant, RewardsAreZeroAndLossHasItsClosedFormForEveryLossAndLayout) {
  using training::TrainConfig;
  training::Fixture f = training::make_fixture(test::temp_dir("fx"));
  // The ref-logprobs step on the fixture's pairs with the initial model, through the file.
  std::vector<PairTokens> tokens;
  for (const auto& p : f.pairs) tokens.push_back(p.tokens);
  const Transformer reference = load_model(f.model_dir);
  const auto scored = score_pairs(reference, tokens, {8, false});
  auto tokenizer = load_tokenizer(f.model_dir);
  const std::string path = f.dir + "/scored.jsonl";
  write_scored_pairs(path, {tokenizer->fingerprint(), 1024, f.model_dir}, scored);
  const auto pairs = training::open_pairs_for(path, f.model_dir, ModelConfig::load(f.model_dir), 0);

  struct Variant {
    std::string type;
    bool sft;
  };
  std::vector<Variant> variants;
  // Reference-free losses (rewards from the policy alone) and KTO (unpaired data) have no
  // zero-reward point here.
  for (const auto& type : objectives::loss_type_names())
    if (objectives::needs_reference(type) && type != "kto") variants.push_back({type, false});
  variants.push_back({"lpo-ste", true});  // the paper's recipe: + γ·max(0, rc − pc) = 0
  int runs = 0;
  for (const Variant& v : variants)
    for (bool average : {false, true}) {
      if (average && (v.type == "ipo_norm" || v.type == "sigmoid_norm")) continue;  // they average themselves
      for (bool share : {true, false})
        for (bool pack : {true, false}) {
          TrainConfig c = training::lpo_config(f, "", 1);
          c.loss.type = v.type;
          c.loss.add_sft_loss = v.sft;
          c.loss.is_average = average;
          if (v.type == "exo_pair") c.loss.label_smoothing = 1e-3;  // its target [1 − ε, ε] needs ε > 0
          c.compute.layout = {share, pack};
          c.micro_batch_size = 2;  // two micro-batches of two pairs: accumulation is part of the step
          c.global_batch_size = 4;
          c.log_file = f.dir + "/m" + std::to_string(runs++) + ".jsonl";
          training::PreferenceTask task(*pairs, c.loss, c.compute);
          const training::TrainResult r = training::train(c, task);
          const std::string what = v.type + (v.sft ? "+sft" : "") + (average ? " mean" : " sum") +
                                   (share ? " shared" : " unshared") + (pack ? " packed" : " padded");
          for (const char* k : {"rewards/chosen", "rewards/rejected", "rewards/margins"})
            EXPECT_NEAR(r.first.at(k), 0.0, 1e-5) << what << " " << k;
          // 1e-5 relative: ipo's (x1 − x2 − c)² has slope 2c = 5 in raw nats at x = 0.
          const double want = closed_form(v.type);
          EXPECT_NEAR(r.first.at("loss"), want, 1e-5 * std::max(1.0, want)) << what;
        }
    }
  EXPECT_EQ(runs, static_cast<int>(variants.size()) * 8 - 2 * 4);
}

}  // namespace lpo::pipeline
