// LoRA end to end through the binary: `score --adapter` and `merge-lora` against the PEFT golden
// adapter (../shared/models/tiny-qwen2-lora-golden), and `train --lora-*` on real HH-RLHF pairs:
// the loss falls, the output is a PEFT adapter (no base weights), adapter path and merged
// model agree, and a run stopped and resumed gives bit-identical losses (dropout included).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"

namespace lpo {
namespace {

std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> out;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
  return out;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::vector<double> sums(const std::string& output) {
  std::vector<double> out;
  for (const auto& j : json_lines(output)) out.push_back(j["sum_logprob"].get<double>());
  return out;
}

TEST(LoraCli, ScoreWithAdapterAndMergedModelMatchGolden) {
  const std::string adapter = test::shared_path("models/tiny-qwen2-lora-golden");
  LPO_REQUIRE_SHARED("models/tiny-qwen2-lora-golden/golden.json");
  const std::string base = test::shared_path("models/tiny-qwen2-golden");
  auto golden = read_json(adapter + "/golden.json");
  std::string input;
  for (const auto& g : golden) input += nlohmann::json{{"ids", g["ids"]}}.dump() + "\n";
  const std::string dir = test::temp_dir("lora-golden-cli");
  auto merged = test::run_lpo("merge-lora --model " + base + " --adapter " + adapter + " --out " + dir + "/merged");
  ASSERT_EQ(merged.exit_code, 0) << merged.output;
  EXPECT_EQ(read_json(dir + "/merged/config.json")["torch_dtype"], "float32");  // the base's dtype
  for (const std::string args : {"--model " + base + " --adapter " + adapter, "--model " + dir + "/merged"}) {
    auto r = test::run_lpo("score --threads 1 --batch-size 3 " + args, input);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto got = sums(r.output);
    ASSERT_EQ(got.size(), golden.size()) << r.output;
    for (size_t i = 0; i < golden.size(); ++i) {
      const double want = golden[i]["sum_logprob_of_ids_after_first"].get<double>();
      EXPECT_NEAR(got[i], want, 1e-4 * std::abs(want)) << args << " line " << i;
    }
  }
  auto bad = test::run_lpo("score --model " + base + " --adapter " + dir, input);  // no adapter_config.json
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("adapter_config.json"), std::string::npos) << bad.output;
}

std::string lora_args(const std::string& model, const std::string& data, const std::string& save, int iters = 8,
                      int micro = 2) {
  return "train --model " + model + " --data-path " + data + " --save " + save +
         " --loss-type sigmoid --beta 0.5 --lr 2e-2 --train-iters " + std::to_string(iters) +
         " --micro-batch-size " + std::to_string(micro) + " --global-batch-size 4"
         " --save-interval 4 --log-interval 1 --no-progress --threads 1 --recompute-activations"
         " --lora-rank 4 --lora-alpha 8 --lora-dropout 0.1 --lora-target-modules all-linear --use-rslora";
}

TEST(LoraCli, TrainSavesPeftAdapterMergesAndResumesBitExact) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const std::string dir = test::temp_dir("lora-train");
  ASSERT_EQ(test::init_tiny_gpt2_model(dir + "/init").exit_code, 0);
  const std::string hh = test::first_lines("data/hh-rlhf/harmless-base-test.jsonl.gz", dir + "/hh.jsonl", 8);
  auto r = test::run_lpo("ref-logprobs --model " + dir + "/init --data " + hh +
                         " --seq-length 96 --batch-size 8 --threads 1 --out " + dir + "/scored.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string model = dir + "/init", data = dir + "/scored.jsonl";
  r = test::run_lpo(lora_args(model, data, dir + "/full"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<double> losses = test::logged_losses(dir + "/full/metrics.jsonl");
  ASSERT_EQ(losses.size(), 8u);
  EXPECT_NEAR(losses.front(), std::log(2.0), 1e-3);  // step 0: the policy is the base = the reference
  EXPECT_LT(losses.back(), losses.front() - 0.05) << "LoRA training did not lower the loss";

  // The checkpoint is a PEFT adapter: no base weights, the base's path and fingerprint.
  const std::string ckpt = dir + "/full/iter_0000008";
  EXPECT_TRUE(std::filesystem::exists(ckpt + "/adapter_model.safetensors"));
  EXPECT_FALSE(std::filesystem::exists(ckpt + "/model.safetensors"));
  auto cfg = read_json(ckpt + "/adapter_config.json");
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_EQ(cfg["r"], 4);
  EXPECT_EQ(cfg["use_rslora"], true);
  EXPECT_EQ(cfg["target_modules"].size(), 7u);
  EXPECT_EQ(read_json(ckpt + "/lora_base.json")["base"],
            std::filesystem::absolute(model).string());
  // AdamW state of the adapters only: far below the base's float32 weights (one copy, 4 B each).
  EXPECT_LT(std::filesystem::file_size(ckpt + "/optimizer.pt"),
            std::filesystem::file_size(model + "/model.safetensors") / 20);

  // Adapter path == merged model (1e-5), and both differ from the base.
  r = test::run_lpo("merge-lora --model " + model + " --adapter " + ckpt + " --out " + dir + "/merged");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string input = "{\"ids\": [10, 200, 3000, 40, 5, 600, 7000, 80]}\n{\"ids\": [1, 2, 3, 4, 5, 6]}\n";
  auto with_adapter = sums(test::run_lpo("score --threads 1 --model " + model + " --adapter " + ckpt, input).output);
  auto with_merged = sums(test::run_lpo("score --threads 1 --model " + dir + "/merged", input).output);
  auto plain = sums(test::run_lpo("score --threads 1 --model " + model, input).output);
  ASSERT_EQ(with_adapter.size(), 2u);
  ASSERT_EQ(with_merged.size(), 2u);
  ASSERT_EQ(plain.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(with_adapter[i], with_merged[i], 1e-5 * std::abs(with_merged[i])) << i;
    EXPECT_GT(std::abs(with_adapter[i] - plain[i]), 1e-4) << i;
  }

  // ref-logprobs --adapter (a reference for a second round) scores as the merged model does.
  std::vector<std::vector<double>> refs;
  for (const std::string m : {"--model " + model + " --adapter " + dir + "/full", "--model " + dir + "/merged"}) {
    const std::string out = dir + "/ref" + std::to_string(refs.size()) + ".jsonl";
    r = test::run_lpo("ref-logprobs " + m + " --data " + hh + " --seq-length 96 --batch-size 8 --threads 1 --out " + out);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    refs.emplace_back();
    for_each_json_line(out, [&](const nlohmann::json& j, long) {
      if (j.contains("ref_chosen_logps_sum")) refs.back().push_back(j["ref_chosen_logps_sum"].get<double>());
    });
  }
  ASSERT_EQ(refs[0].size(), 8u);
  ASSERT_EQ(refs[1].size(), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_NEAR(refs[0][i], refs[1][i], 1e-5 * std::abs(refs[1][i])) << "pair " << i;

  // Stop after 4 iterations, resume: the same losses bit for bit.
  r = test::run_lpo(lora_args(model, data, dir + "/run") + " --exit-interval 4");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_lpo(lora_args(model, data, dir + "/run") + " --load " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming from"), std::string::npos) << r.output;
  const std::vector<double> resumed = test::logged_losses(dir + "/run/metrics.jsonl");
  ASSERT_EQ(resumed.size(), 8u);
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(resumed[i], losses[i]) << "iteration " << i + 1;

  // Two data-parallel ranks: the adapters' gradients are averaged, the losses those of one process.
  r = test::run_lpo(lora_args(model, data, dir + "/dp", 3, 1) + " --nproc-per-node 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_lpo(lora_args(model, data, dir + "/dp1", 3, 1));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::vector<double> dp = test::logged_losses(dir + "/dp/metrics.jsonl"),
                            one = test::logged_losses(dir + "/dp1/metrics.jsonl");
  ASSERT_EQ(dp.size(), 3u);
  ASSERT_EQ(one.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(dp[i], one[i], 1e-4 * std::abs(one[i])) << "iteration " << i + 1;
  EXPECT_LT(one[2], one[0]);

  // Resuming on another base is refused by the fingerprint.
  ASSERT_EQ(test::run_lpo("init-model --out " + dir + "/other --tokenizer " +
                          test::shared_path("tokenizers/gpt2/tokenizer.json") +
                          " --hidden-size 32 --intermediate-size 64 --num-layers 1 --num-heads 2 --num-kv-heads 1 "
                          "--seed 99").exit_code, 0);
  r = test::run_lpo(lora_args(dir + "/other", data, dir + "/run", 12) + " --load " + dir + "/run");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("fingerprint"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lpo
