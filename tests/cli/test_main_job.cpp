// The main job on real input (issue: foundation §9): init a small qwen2-shaped model with a
// real tokenizer, score HH-RLHF pairs, train with the seed's LPO recipe, reload the checkpoint.
#include <filesystem>
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

}  // namespace

TEST(MainJob, LpoSteOnHhRlhfLearnsAndCheckpointReloads) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const std::string dir = test::temp_dir("hh");
  const std::string data = test::first_lines("data/hh-rlhf/harmless-base-test.jsonl.gz", dir + "/hh.jsonl", 48);
  auto r = test::run_lpo("init-model --out " + dir + "/init --tokenizer " +
                         test::shared_path("tokenizers/gpt2/tokenizer.json") +
                         " --preset tiny --hidden-size 64 --intermediate-size 128 --num-layers 2"
                         " --num-heads 4 --num-kv-heads 2 --seed 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_lpo("ref-logprobs --model " + dir + "/init --data " + data + " --out " + dir +
                    "/scored.jsonl --seq-length 96");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_lpo("train --model " + dir + "/init --data-path " + dir + "/scored.jsonl --save " + dir +
                    "/lpo --loss-type lpo-ste --beta 0.2 --gamma 10 --r1 1 --r2 0.2 --add-sft-loss --is-average"
                    " --lr 2e-3 --lr-warmup-iters 2 --train-iters 24 --micro-batch-size 8 --global-batch-size 16"
                    " --seq-length 96 --log-interval 1 --no-progress --threads 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto m = metrics(dir + "/lpo/metrics.jsonl");
  ASSERT_EQ(m.size(), 24u);
  for (const char* key : {"loss", "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies",
                          "logps/chosen", "logps/rejected", "train/xpo_wo_sft", "train/xpo_with_sft", "grad_norm",
                          "learning_rate", "tokens_per_s"})
    EXPECT_TRUE(m.back().contains(key)) << key;
  auto mean_of = [&](size_t from, size_t to, const char* key) {
    double s = 0;
    for (size_t i = from; i < to; ++i) s += m[i].at(key).get<double>();
    return s / static_cast<double>(to - from);
  };
  EXPECT_LT(mean_of(20, 24, "loss"), mean_of(0, 4, "loss"));
  EXPECT_GT(mean_of(20, 24, "rewards/accuracies"), 0.5);

  // The checkpoint is a model directory: scoring through it twice gives identical numbers,
  // and it differs from the initial model (training changed the weights).
  const std::string ids = R"({"ids": [464, 3290, 318, 257, 922, 1110, 13]})" "\n";
  auto score = [&](const std::string& model) { return test::run_lpo("score --model " + model + " --threads 1", ids); };
  auto a = score(dir + "/lpo/iter_0000024"), b = score(dir + "/lpo/iter_0000024"), c = score(dir + "/init");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  EXPECT_EQ(a.output, b.output);
  EXPECT_NE(a.output, c.output);
}

TEST(MainJob, TrainRefusesDataScoredWithAnotherTokenizer) {
  LPO_REQUIRE_SHARED("tokenizers/qwen3/tokenizer.json");
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const std::string dir = test::temp_dir("fp");
  std::ofstream(dir + "/pairs.jsonl") << R"({"prompt": "Hi there, ", "chosen": "hello", "rejected": "go away"})" << "\n";
  for (const char* tok : {"gpt2", "qwen3"}) {
    auto r = test::run_lpo(std::string("init-model --out ") + dir + "/" + tok + " --tokenizer " +
                           test::shared_path(std::string("tokenizers/") + tok + "/tokenizer.json") +
                           " --hidden-size 32 --intermediate-size 64 --num-layers 1 --num-heads 2 --num-kv-heads 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  auto r = test::run_lpo("ref-logprobs --model " + dir + "/gpt2 --data " + dir + "/pairs.jsonl --out " + dir +
                         "/scored.jsonl --seq-length 64");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_lpo("train --model " + dir + "/qwen3 --data-path " + dir + "/scored.jsonl --train-iters 1 "
                    "--micro-batch-size 1 --global-batch-size 1 --seq-length 64");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("different tokenizer"), std::string::npos) << r.output;
  r = test::run_lpo("train --model " + dir + "/gpt2 --data-path " + dir + "/scored.jsonl --train-iters 1 "
                    "--micro-batch-size 1 --global-batch-size 1 --seq-length 32");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--seq-length 64"), std::string::npos) << r.output;
}

TEST(MainJob, BadInputsFailWithActionableMessages) {
  const std::string dir = test::temp_dir("bad");
  std::ofstream(dir + "/bad.jsonl") << R"({"prompt": "a", "chosen": "b", "rejected": "c"})" << "\n{oops\n";
  auto r = test::run_lpo("train --model " + dir + "/nope --data-path " + dir + "/bad.jsonl");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find(dir + "/nope"), std::string::npos) << r.output;
  r = test::run_lpo("train --model " + dir + " --data-path x --loss-type nonsense");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("lpo-ste"), std::string::npos) << r.output;  // lists the valid names
}

}  // namespace lpo
