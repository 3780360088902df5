// End-to-end: `lpo score`, `lpo generate` and `lpo init-model` through the binary.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"

namespace lpo {
namespace {

using test::json_lines;

TEST(ModelCli, ScoreMatchesTinyQwen2Golden) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/golden.json");
  std::ifstream in(test::shared_path("models/tiny-qwen2-golden/golden.json"));
  auto golden = nlohmann::json::parse(in);
  std::string input;
  for (const auto& g : golden) input += nlohmann::json{{"ids", g["ids"]}}.dump() + "\n";
  auto r = test::run_lpo("score --threads 1 --batch-size 2 --model " + test::shared_path("models/tiny-qwen2-golden"),
                         input);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), golden.size()) << r.output;
  for (size_t i = 0; i < golden.size(); ++i) {
    const auto& g = golden[i];
    const auto& s = lines[i];
    double want_sum = g["sum_logprob_of_ids_after_first"].get<double>();
    EXPECT_NEAR(s["sum_logprob"].get<double>(), want_sum, 1e-4 * std::abs(want_sum));
    double want_mean = g["mean_logprob_of_ids_after_first"].get<double>();
    EXPECT_NEAR(s["mean_logprob"].get<double>(), want_mean, 1e-4 * std::abs(want_mean));
    EXPECT_EQ(s["num_tokens"].get<size_t>(), g["ids"].size() - 1);
    // last_top5: the five largest golden logits, best first.
    auto logits = g["last_logits"].get<std::vector<double>>();
    ASSERT_EQ(s["last_top5"].size(), 5u);
    double prev = 1e30;
    for (const auto& pair : s["last_top5"]) {
      int id = pair[0].get<int>();
      double logit = pair[1].get<double>();
      EXPECT_NEAR(logit, logits[id], 1e-4 * std::abs(logits[id]) + 1e-5);
      EXPECT_LE(logit, prev);
      prev = logit;
      int larger = 0;
      for (double v : logits) larger += v > logits[id] + 1e-5;
      EXPECT_LT(larger, 5);
    }
  }
}

TEST(ModelCli, ScoreRejectsBadLineWithItsNumber) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  auto r = test::run_lpo("score --model " + test::shared_path("models/tiny-qwen2-golden"),
                         "{\"ids\": [1, 2]}\n{\"idz\": [1]}\n");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("stdin:2"), std::string::npos) << r.output;
}

TEST(ModelCli, GenerateGreedyStories260K) {
  LPO_REQUIRE_SHARED("models/stories260K/GREEDY.txt");
  std::ifstream in(test::shared_path("models/stories260K/GREEDY.txt"));
  std::vector<int> expected;
  for (int v; in >> v;) expected.push_back(v);
  auto r = test::run_lpo("generate --threads 1 --model " + test::shared_path("models/stories260K") +
                         " --prompt-ids 1 --max-new-tokens 80 --temperature 0 --no-stop");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0].get<std::vector<int>>(), expected);
}

TEST(ModelCli, InitModelThenScoreAndGenerateText) {
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  auto dir = test::temp_dir("model");
  auto r = test::run_lpo("init-model --out " + dir + " --tokenizer " + test::shared_path("tokenizers/gpt2/tokenizer.json") +
                         " --hidden-size 64 --intermediate-size 96 --num-layers 2 --num-heads 4 --num-kv-heads 2 --seed 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json"})
    EXPECT_TRUE(std::filesystem::exists(dir + "/" + f)) << f;
  std::ifstream cfg(dir + "/config.json");
  auto config = nlohmann::json::parse(cfg);
  EXPECT_EQ(config["model_type"], "qwen2");
  EXPECT_EQ(config["vocab_size"], 50257);
  EXPECT_EQ(config["hidden_size"], 64);

  r = test::run_lpo("score --model " + dir, "{\"text\": \"Hello world, hello\"}\n");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  // A near-uniform random model: mean log-prob close to -ln(50257) = -10.82.
  EXPECT_NEAR(lines[0]["mean_logprob"].get<double>(), -10.82, 0.3);

  r = test::run_lpo("generate --model " + dir + " --prompt Hello --max-new-tokens 5 --temperature 1 --seed 4 --no-stop");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  lines = json_lines(r.output);
  ASSERT_EQ(lines.size(), 1u) << r.output;
  EXPECT_EQ(lines[0].size(), 5u);
}

}  // namespace
}  // namespace lpo
