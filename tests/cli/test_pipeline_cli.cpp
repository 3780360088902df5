// `lpo pipeline` end to end on real GSM8K prompts with a tiny random model: every step's
// output appears under the work directory, a rerun does nothing, --from reruns the tail.
#include <fstream>

#include "cli_support.hpp"
#include "util/files.hpp"
#include "util/jsonl.hpp"

namespace lpo {

TEST(PipelineCli, RunsTheChainAndResumes) {
  LPO_REQUIRE_SHARED("data/gsm8k/test.jsonl");
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const std::string dir = test::temp_dir("p");
  test::first_lines("data/gsm8k/test.jsonl", dir + "/prompts.jsonl", 5);
  auto r = test::init_tiny_gpt2_model(dir + "/init");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ofstream(dir + "/run.json") << R"({"work_dir": "w", "model": "init", "prompts": "prompts.jsonl", "threads": 1,
    "steps": {"sample": {"num-candidates": 2, "max-new-tokens": 6, "seed": 3},
              "select-pairs": {"task": "gsm8k"},
              "ref-logprobs": {"seq-length": 320, "batch-size": 4},
              "build-dataset": {"max-ref-gap": "inf"},
              "train": {"loss-type": "lpo-ste", "add-sft-loss": true, "is-average": true, "train-iters": 2,
                        "micro-batch-size": 2, "global-batch-size": 4, "no-progress": true},
              "eval": {"task": "gsm8k", "data": "prompts.jsonl", "limit": 2, "max-new-tokens": 4,
                       "no-progress": true}}})";
  r = test::run_lpo("pipeline " + dir + "/run.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* out : {"candidates.jsonl", "pairs.jsonl", "scored.jsonl", "dataset.idx", "dataset.lpo.json",
                          "train/latest", "eval.json"})
    EXPECT_TRUE(std::filesystem::exists(dir + "/w/" + out)) << out;
  // 5 prompts x 2 wrong candidates of a random model = 10 pairs, all packed.
  EXPECT_NE(read_file(dir + "/w/dataset.lpo.json").find("\"num_pairs\": 10"), std::string::npos);
  r = test::run_lpo("pipeline " + dir + "/run.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("running"), std::string::npos) << r.output;
  r = test::run_lpo("pipeline " + dir + "/run.json --from build-dataset");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("running lpo ref-logprobs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("running lpo build-dataset"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("running lpo eval"), std::string::npos) << r.output;
}

}  // namespace lpo
