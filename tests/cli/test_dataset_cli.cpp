// The data steps on real input: sharded ref-logprobs joined by `lpo merge` equals the unsharded
// run byte for byte; `build-dataset` packs it; training from the packed dataset gives the same
// per-step losses as training from the JSONL it came from.
#include <fstream>

#include "cli_support.hpp"
#include "util/files.hpp"
#include "util/jsonl.hpp"

namespace lpo {
TEST(DatasetCli, ShardedScoringMergesToTheUnshardedFileAndPackedDataTrainsTheSame) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const std::string dir = test::temp_dir("ds");
  const std::string data = test::first_lines("data/hh-rlhf/harmless-base-test.jsonl.gz", dir + "/hh.jsonl", 30);
  auto ok = [](const test::RunResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return r.exit_code == 0;
  };
  ASSERT_TRUE(ok(test::run_lpo("init-model --out " + dir + "/init --tokenizer " +
                               test::shared_path("tokenizers/gpt2/tokenizer.json") +
                               " --hidden-size 32 --intermediate-size 64 --num-layers 1 --num-heads 2"
                               " --num-kv-heads 1 --seed 3")));
  const std::string common = "ref-logprobs --model " + dir + "/init --data " + data +
                             " --seq-length 80 --batch-size 4 --threads 1 --out ";
  ASSERT_TRUE(ok(test::run_lpo(common + dir + "/full.jsonl")));
  std::string shards;
  for (int s = 0; s < 3; ++s) {
    const std::string path = dir + "/part" + std::to_string(s) + ".jsonl";
    ASSERT_TRUE(ok(test::run_lpo(common + path + " --shard " + std::to_string(s) + "/3")));
    shards = path + " " + shards;  // any order
  }
  ASSERT_TRUE(ok(test::run_lpo("merge " + shards + "--out " + dir + "/merged.jsonl")));
  EXPECT_EQ(read_file(dir + "/merged.jsonl"), read_file(dir + "/full.jsonl"));

  auto r = test::run_lpo("build-dataset --data " + shards + "--out " + dir + "/packed --no-shuffle --max-ref-gap inf");
  ASSERT_TRUE(ok(r));
  EXPECT_NE(r.output.find("30 pairs in; 0 dropped"), std::string::npos) << r.output;
  const std::string train = "train --model " + dir + "/init --loss-type lpo-ste --add-sft-loss --is-average --lr 1e-3"
                            " --train-iters 5 --micro-batch-size 3 --global-batch-size 6 --log-interval 1"
                            " --no-progress --threads 1 --save-interval 0 --data-path ";
  ASSERT_TRUE(ok(test::run_lpo(train + dir + "/full.jsonl --save " + dir + "/from_jsonl")));
  ASSERT_TRUE(ok(test::run_lpo(train + dir + "/packed --data-cache-mb 1 --save " + dir + "/from_packed")));
  auto a = test::logged_losses(dir + "/from_jsonl/metrics.jsonl"), b = test::logged_losses(dir + "/from_packed/metrics.jsonl");
  ASSERT_EQ(a.size(), 5u);
  EXPECT_EQ(a, b);

  // Every pair filtered out: a clear error, not an empty dataset.
  r = test::run_lpo("build-dataset --data " + dir + "/full.jsonl --out " + dir + "/gap --max-ref-gap -1000");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no pair left"), std::string::npos) << r.output;
}


TEST(DatasetCli, SampledShardsMergeInInputOrderWhateverTheArgumentOrder) {
  LPO_REQUIRE_SHARED("data/gsm8k/test.jsonl");
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const std::string dir = test::temp_dir("ss");
  test::first_lines("data/gsm8k/test.jsonl", dir + "/prompts.jsonl", 5);
  auto r = test::init_tiny_gpt2_model(dir + "/init");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string sample = "sample --model " + dir + "/init --data " + dir +
                             "/prompts.jsonl --num-candidates 2 --max-new-tokens 5 --seed 9 --threads 1 --out ";
  ASSERT_EQ(test::run_lpo(sample + dir + "/full.jsonl").exit_code, 0);
  for (int s = 0; s < 2; ++s)
    ASSERT_EQ(test::run_lpo(sample + dir + "/s" + std::to_string(s) + ".jsonl --shard " + std::to_string(s) + "/2")
                  .exit_code,
              0);
  r = test::run_lpo("merge " + dir + "/s1.jsonl " + dir + "/s0.jsonl --out " + dir + "/merged.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(dir + "/merged.jsonl"), read_file(dir + "/full.jsonl"));
  r = test::run_lpo("merge " + dir + "/s1.jsonl --out " + dir + "/partial.jsonl");  // shard 0 missing
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("a shard is missing"), std::string::npos) << r.output;
}

}  // namespace lpo
