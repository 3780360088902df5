// End-to-end: every model family through the binary — `score` against the shared goldens,
// `init-model` real presets, `info --model`, and ref-logprobs + train on windowed families with
// bf16 checkpoints that stay bf16 on disk.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"
#include "io/safetensors.hpp"

namespace lpo {
namespace {

using test::json_lines;

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(FamiliesCli, ScoreMatchesEveryFamilyGolden) {
  for (const std::string family : {"qwen3", "llama3", "mistral", "gemma3"}) {
    const std::string dir = "models/tiny-" + family + "-golden";
    LPO_REQUIRE_SHARED(dir + "/golden.json");
    auto golden = read_json(test::shared_path(dir + "/golden.json"));
    std::string input;
    for (const auto& g : golden) input += nlohmann::json{{"ids", g["ids"]}}.dump() + "\n";
    auto r = test::run_lpo("score --threads 1 --batch-size 3 --model " + test::shared_path(dir), input);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto lines = json_lines(r.output);
    ASSERT_EQ(lines.size(), golden.size()) << r.output;
    for (size_t i = 0; i < golden.size(); ++i) {
      double want = golden[i]["sum_logprob_of_ids_after_first"].get<double>();
      EXPECT_NEAR(lines[i]["sum_logprob"].get<double>(), want, 1e-4 * std::abs(want)) << family << " line " << i;
    }
  }
}

TEST(FamiliesCli, RealPresetsKeepTheirConfigAndInfoDescribesThem) {
  LPO_REQUIRE_SHARED("tokenizers/qwen3/tokenizer.json");
  const std::string dir = test::temp_dir("presets");
  auto r = test::run_lpo("init-model --preset qwen3-0.6b --config-only --out " + dir + "/qwen3 --tokenizer " +
                         test::shared_path("tokenizers/qwen3/tokenizer.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto q = read_json(dir + "/qwen3/config.json");
  EXPECT_EQ(q["model_type"], "qwen3");
  EXPECT_EQ(q["head_dim"], 128);
  EXPECT_EQ(q["hidden_size"], 1024);
  EXPECT_EQ(q["num_hidden_layers"], 28);
  EXPECT_EQ(q["vocab_size"], 151936);  // the padded vocabulary, not the tokenizer's 151669
  EXPECT_EQ(q["torch_dtype"], "bfloat16");
  EXPECT_FALSE(std::filesystem::exists(dir + "/qwen3/model.safetensors"));

  // A Gemma 3 shape shrunk by flags: the window pattern is laid out again for 4 layers.
  r = test::run_lpo("init-model --preset gemma3-1b --out " + dir + "/gemma --tokenizer " +
                    test::shared_path("tokenizers/qwen3/tokenizer.json") +
                    " --hidden-size 64 --intermediate-size 128 --num-layers 7 --num-heads 2 --num-kv-heads 1"
                    " --vocab-size 151700 --max-shard-mb 10");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto g = read_json(dir + "/gemma/config.json");
  EXPECT_EQ(g["model_type"], "gemma3_text");
  EXPECT_EQ(g["head_dim"], 32);
  EXPECT_EQ(g["sliding_window"], 512);
  EXPECT_EQ(g["layer_types"].size(), 7u);
  EXPECT_EQ(g["layer_types"][5], "full_attention");
  EXPECT_EQ(g["layer_types"][6], "sliding_attention");
  EXPECT_TRUE(std::filesystem::exists(dir + "/gemma/model.safetensors.index.json"));
  r = test::run_lpo("info --model " + dir + "/gemma");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* want : {"family gemma3_text", "dtype on disk BFloat16", "context 32768",
                           "sliding window 512 on 6 of 7 layers", "gelu_pytorch_tanh", "rms (1 + w)"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n" << r.output;
  const int64_t embed = 151700LL * 64;
  EXPECT_NE(r.output.find("parameters "), std::string::npos);
  EXPECT_GT(std::stoll(r.output.substr(r.output.find("parameters ") + 11)), embed);

  r = test::run_lpo("init-model --preset qwen4-9b --out " + dir + "/x --tokenizer " +
                    test::shared_path("tokenizers/qwen3/tokenizer.json"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("qwen3-0.6b"), std::string::npos) << r.output;  // lists the known presets
}

// ref-logprobs and train on windowed families: the first step's rewards are 0 (training's
// packed, shared-prompt forward equals the scoring forward, past the window), the loss falls,
// and a bf16 model stays bf16 on disk with float32 masters beside it, from which --load resumes.
TEST(FamiliesCli, WindowedFamiliesTrainAndKeepTheirDtype) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const std::string dir = test::temp_dir("families-train");
  const std::string hh = test::first_lines("data/hh-rlhf/harmless-base-test.jsonl.gz", dir + "/hh.jsonl", 16);
  for (const std::string preset : {"gemma3-1b", "mistral-7b"}) {
    const std::string model = dir + "/" + preset;
    auto r = test::run_lpo("init-model --preset " + preset + " --out " + model + " --tokenizer " +
                           test::shared_path("tokenizers/gpt2/tokenizer.json") +
                           " --hidden-size 32 --intermediate-size 64 --num-layers 3 --num-heads 2 --num-kv-heads 1"
                           " --vocab-size 50257 --seed 3");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    auto config = read_json(model + "/config.json");  // windows of 24 tokens: shorter than the pairs
    config["sliding_window"] = 24;
    std::ofstream(model + "/config.json") << config.dump(2);
    r = test::run_lpo("ref-logprobs --threads 1 --model " + model + " --data " + hh + " --seq-length 96 --out " +
                      model + "-scored.jsonl");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string train = "train --threads 2 --no-progress --log-interval 1 --model " + model +
                              " --data-path " + model + "-scored.jsonl --save " + model + "-out" +
                              " --loss-type sigmoid --beta 0.1 --lr 3e-3 --micro-batch-size 4"
                              " --global-batch-size 8 --seq-length 96 --train-iters ";
    r = test::run_lpo(train + "6");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const auto losses = test::logged_losses(model + "-out/metrics.jsonl");
    ASSERT_EQ(losses.size(), 6u);
    EXPECT_NEAR(losses[0], std::log(2.0), 1e-4) << preset;
    EXPECT_LT(losses[5], losses[0]) << preset;
    SafetensorsFile weights(model + "-out/iter_0000006/model.safetensors");
    for (const auto& name : weights.names()) EXPECT_EQ(weights.entry(name).dtype, "BF16") << name;
    SafetensorsFile masters(model + "-out/iter_0000006/master_weights.safetensors");
    for (const auto& name : masters.names()) EXPECT_EQ(masters.entry(name).dtype, "F32") << name;
    EXPECT_EQ(read_json(model + "-out/iter_0000006/config.json")["sliding_window"], 24);
    r = test::run_lpo(train + "8 --load " + model + "-out");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(test::logged_losses(model + "-out/metrics.jsonl").size(), 8u);
  }
}

}  // namespace
}  // namespace lpo
