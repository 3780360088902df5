// TRL's loss zoo end to end (issue 18): every new --loss-type trains through `lpo train` on
// real HH-RLHF pairs (loss falls, margin rises over a short run on one fixed batch); the
// reference-free ones straight from the unscored pairs, the others from `ref-logprobs` output,
// which they need (unscored pairs are refused with the way out).
#include <fstream>

#include "cli_support.hpp"
#include "util/jsonl.hpp"

namespace lpo {
namespace {

std::vector<nlohmann::json> metrics(const std::string& path) {
  std::vector<nlohmann::json> out;
  for_each_json_line(path, [&](const nlohmann::json& j, long) { out.push_back(j); });
  return out;
}

struct Fixture {
  std::string dir, hh;
};

Fixture prepare(const std::string& name) {
  Fixture f{test::temp_dir(name), ""};
  f.hh = test::first_lines("data/hh-rlhf/harmless-base-test.jsonl.gz", f.dir + "/hh.jsonl", 6);
  auto r = test::init_tiny_gpt2_model(f.dir + "/init");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  return f;
}

/// Trains 3 iterations on all 6 pairs (or KTO examples) at once (the same batch each step; --lr 3e-3 unless
/// `loss_args` has one; one thread: several would spin on 2 shared cores) and checks that the
/// loss falls and, unless `margin_may_fall`, that the reward margin rises.
void expect_learns(const Fixture& f, const std::string& data, const std::string& loss_args,
                   const std::vector<std::string>& metric_keys = {}, bool margin_may_fall = false) {
  SCOPED_TRACE(loss_args);
  const std::string save = f.dir + "/run";
  const std::string lr = loss_args.find("--lr") == std::string::npos ? " --lr 3e-3" : "";
  auto r = test::run_lpo("train --model " + f.dir + "/init --data-path " + data + " --save " + save + " " + loss_args +
                         lr + " --train-iters 3 --micro-batch-size 6 --global-batch-size 6 --seq-length 48"
                         " --log-interval 1 --no-progress --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto m = metrics(save + "/metrics.jsonl");
  ASSERT_EQ(m.size(), 3u);
  EXPECT_LT(m.back().at("loss").get<double>(), m.front().at("loss").get<double>());
  if (!margin_may_fall)
    EXPECT_GT(m.back().at("rewards/margins").get<double>(), m.front().at("rewards/margins").get<double>());
  for (const auto& key : metric_keys) EXPECT_TRUE(m.back().contains(key)) << key;
  std::filesystem::remove_all(save);
}

}  // namespace

TEST(LossZooCli, ReferenceFreeLossesTrainOnUnscoredPairs) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const Fixture f = prepare("zoo-free");
  expect_learns(f, f.hh, "--loss-type simpo --beta 2 --simpo-gamma 0.5");
  expect_learns(f, f.hh, "--loss-type orpo --beta 0.5", {"nll_loss", "log_odds_ratio", "log_odds_chosen"});
  expect_learns(f, f.hh, "--loss-type cpo --beta 0.1 --cpo-alpha 1", {"nll_loss"});
  // A loss that needs the reference refuses the unscored pairs and says how to score them.
  auto r = test::run_lpo("train --model " + f.dir + "/init --data-path " + f.hh + " --loss-type sigmoid,sft "
                         "--loss-weights 1,0.2 --train-iters 1 --seq-length 48 --no-progress");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("needs them: run `lpo ref-logprobs"), std::string::npos) << r.output;
}

TEST(LossZooCli, TrlLossesTrainOnScoredPairs) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const Fixture f = prepare("zoo-ref");
  auto r = test::run_lpo("ref-logprobs --model " + f.dir + "/init --data " + f.hh + " --out " + f.dir +
                         "/scored.jsonl --seq-length 48 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string scored = f.dir + "/scored.jsonl";
  for (const char* args : {"--loss-type ipo_norm --beta 0.5", "--loss-type exo_pair --label-smoothing 0.001",
                           "--loss-type nca_pair", "--loss-type robust --label-smoothing 0.1", "--loss-type bco_pair",
                           "--loss-type sppo_hard --beta 0.5 --lr 1e-3", "--loss-type aot", "--loss-type aot_unpaired",
                           "--loss-type apo_zero", "--loss-type apo_down", "--loss-type discopop --discopop-tau 1",
                           "--loss-type sigmoid_norm --beta 2",
                           "--loss-type sigmoid,sft --loss-weights 1,0.2 --beta 0.5",  // RPO
                           "--loss-type sigmoid --f-divergence alpha_divergence --f-alpha 0.5 --use-weighting"})
    expect_learns(f, scored, std::string(args) + (std::string(args).find("--beta") == std::string::npos ? " --beta 0.5" : ""));
  expect_learns(f, scored, "--loss-type sft --beta 0.5", {"nll_loss"}, /*margin_may_fall=*/true);

  // LD-DPO: training refuses reference sums taken with another --ld-alpha, and learns with matching ones.
  r = test::run_lpo("train --model " + f.dir + "/init --data-path " + scored + " --loss-type sigmoid --ld-alpha 0.5 "
                    "--train-iters 1 --seq-length 48 --no-progress");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("rerun `lpo ref-logprobs --ld-alpha 0.5`"), std::string::npos) << r.output;
  r = test::run_lpo("ref-logprobs --model " + f.dir + "/init --data " + f.hh + " --out " + f.dir +
                    "/scored-ld.jsonl --seq-length 48 --ld-alpha 0.5 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  expect_learns(f, f.dir + "/scored-ld.jsonl", "--loss-type sigmoid --beta 0.5 --ld-alpha 0.5");
}

// KTO on unpaired data in TRL's format: HH-RLHF's chosen transcripts as desirable completions,
// the rejected ones as undesirable, split at the last "Assistant:" turn.
TEST(LossZooCli, KtoTrainsOnUnpairedExamples) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const Fixture f = prepare("zoo-kto");
  const std::string kto = f.dir + "/kto.jsonl";
  {
    std::ofstream out(kto);
    for_each_json_line(f.hh, [&](const nlohmann::json& j, long line) {
      if (line > 3) return;  // 3 pairs -> 6 examples: one batch
      for (const char* key : {"chosen", "rejected"}) {
        const std::string t = j.at(key).get<std::string>(), turn = "\n\nAssistant:";
        const size_t cut = t.rfind(turn) + turn.size();
        out << nlohmann::json{{"prompt", t.substr(0, cut)}, {"completion", t.substr(cut)},
                              {"label", std::string(key) == "chosen"}}.dump() << "\n";
      }
    });
  }
  const std::string scored = f.dir + "/kto-scored.jsonl";
  auto r = test::run_lpo("ref-logprobs --model " + f.dir + "/init --data " + kto + " --out " + scored +
                         " --seq-length 48 --kl-batch-size 4 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Header, labels, and the KL pairing within chunks of 4: example i's KL completion is the
  // completion of i − 1 (the chunk's first takes its last).
  std::vector<nlohmann::json> lines = metrics(scored);
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_TRUE(lines[0].at("kto").get<bool>());
  EXPECT_TRUE(lines[1].at("label").get<bool>());
  EXPECT_FALSE(lines[2].at("label").get<bool>());
  EXPECT_EQ(lines[2].at("rejected_ids"), lines[1].at("chosen_ids"));
  EXPECT_EQ(lines[1].at("rejected_ids"), lines[4].at("chosen_ids"));
  EXPECT_EQ(lines[5].at("rejected_ids"), lines[6].at("chosen_ids"));

  expect_learns(f, scored, "--loss-type kto --beta 0.5 --desirable-weight 1 --undesirable-weight 1", {"kl"});
  r = test::run_lpo("train --model " + f.dir + "/init --data-path " + scored + " --loss-type sigmoid --train-iters 1 "
                    "--seq-length 48 --no-progress");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("train them with --loss-type kto"), std::string::npos) << r.output;
}

}  // namespace lpo
