// One stop policy for multi-step commands (util/stop_signal.hpp): SIGTERM / SIGINT during
// `lpo pipeline`, `lpo ref-logprobs` and `lpo demo` end the whole job at the next safe point
// with exit status 128 + signal, record nothing unfinished as done, and a rerun finishes with
// the same weights as a run that was never stopped.
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "cli_support.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {
namespace fs = std::filesystem;

// A pipeline config whose train step checkpoints every iteration, long enough to be stopped.
void write_pipeline(const std::string& dir) {
  test::first_lines("data/gsm8k/test.jsonl", dir + "/prompts.jsonl", 5);
  auto r = test::init_tiny_gpt2_model(dir + "/init");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::ofstream(dir + "/run.json") << R"({"work_dir": "w", "model": "init", "prompts": "prompts.jsonl", "threads": 1,
    "steps": {"sample": {"num-candidates": 2, "max-new-tokens": 6, "seed": 3},
              "select-pairs": {"task": "gsm8k"},
              "ref-logprobs": {"seq-length": 320, "batch-size": 4},
              "build-dataset": {"max-ref-gap": "inf"},
              "train": {"loss-type": "lpo-ste", "add-sft-loss": true, "is-average": true, "train-iters": 40,
                        "save-interval": 1, "keep-checkpoints": 2, "micro-batch-size": 2,
                        "global-batch-size": 4, "no-progress": true, "log-interval": 1},
              "eval": {"task": "gsm8k", "data": "prompts.jsonl", "limit": 2, "max-new-tokens": 4,
                       "no-progress": true}}})";
}

TEST(StopCli, SigtermDuringPipelineTrainStopsTheJobAndARerunFinishesIdentically) {
  LPO_REQUIRE_SHARED("data/gsm8k/test.jsonl");
  const std::string base = test::temp_dir("stop-pipeline");
  for (const char* run : {"/full", "/stopped"}) fs::create_directories(base + run);
  write_pipeline(base + "/full");
  write_pipeline(base + "/stopped");
  auto r = test::run_lpo("pipeline " + base + "/full/run.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const std::string s = base + "/stopped", job = base + "/job";
  fs::create_directories(job);
  test::start_lpo("pipeline " + s + "/run.json", job);
  ASSERT_TRUE(test::wait_for(s + "/w/train/iter_0000002/trainer_state.json"));
  ASSERT_TRUE(test::wait_for(job + "/pid"));
  ASSERT_EQ(::kill(std::stoi(read_file(job + "/pid")), SIGTERM), 0);
  ASSERT_TRUE(test::wait_for(job + "/rc", 30));
  const std::string out = read_file(job + "/out.txt");
  EXPECT_EQ(std::stoi(read_file(job + "/rc")), 128 + SIGTERM) << out;
  EXPECT_NE(out.find("stopped by SIGTERM"), std::string::npos) << out;
  EXPECT_EQ(out.find("all steps done"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(s + "/w/.pipeline/train.json"));  // not recorded as done
  EXPECT_TRUE(fs::exists(s + "/w/.pipeline/build-dataset.json"));
  EXPECT_FALSE(fs::exists(s + "/w/eval.json"));  // no later step ran

  r = test::run_lpo("pipeline " + s + "/run.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming from"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("running lpo ref-logprobs"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::exists(s + "/w/eval.json"));
  // Bit-exact on the CPU with the same threads: the same weights as the run never stopped.
  EXPECT_EQ(read_file(s + "/w/train/iter_0000040/model.safetensors"),
            read_file(base + "/full/w/train/iter_0000040/model.safetensors"));
}

// A train step that returned without reaching --train-iters is not recorded as done.
TEST(StopCli, PipelineRecordsTrainOnlyWhenItReachedTrainIters) {
  LPO_REQUIRE_SHARED("data/gsm8k/test.jsonl");
  const std::string dir = test::temp_dir("stop-exit-interval");
  write_pipeline(dir);
  std::string config = read_file(dir + "/run.json");
  config.replace(config.find("\"save-interval\": 1"), 18, "\"exit-interval\": 3");  // returns 0 at iteration 3
  write_file_atomic(dir + "/run.json", config);
  auto r = test::run_lpo("pipeline " + dir + "/run.json");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("at iteration 3 of --train-iters 40"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir + "/w/.pipeline/train.json"));
  EXPECT_FALSE(fs::exists(dir + "/w/eval.json"));
}

TEST(StopCli, SigintDuringRefLogprobsWritesNothingAndExits130) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const std::string dir = test::temp_dir("stop-ref");
  ASSERT_EQ(test::init_tiny_gpt2_model(dir + "/init").exit_code, 0);
  const std::string job = dir + "/job";
  fs::create_directories(job);
  test::start_lpo("ref-logprobs --threads 1 --batch-size 1 --seq-length 256 --skip-bad-lines --model " + dir +
                      "/init --data " + test::shared_path("data/hh-rlhf/harmless-base-test.jsonl.gz") + " --out " +
                      dir + "/scored.jsonl",
                  job);
  ASSERT_TRUE(test::wait_for(job + "/pid"));
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // inside the 2,312 pairs
  ASSERT_EQ(::kill(std::stoi(read_file(job + "/pid")), SIGINT), 0);
  ASSERT_TRUE(test::wait_for(job + "/rc", 20));
  const std::string out = read_file(job + "/out.txt");
  EXPECT_EQ(std::stoi(read_file(job + "/rc")), 128 + SIGINT) << out;
  EXPECT_NE(out.find("stopped by SIGINT (ref-logprobs, after"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/scored.jsonl"));
}

TEST(StopCli, SigtermEndsTheDemoWithoutAReport) {
  const std::string dir = test::temp_dir("stop-demo"), job = dir + "/job";
  fs::create_directories(job);
  test::start_lpo("demo --quick --no-progress --threads 1 --out " + dir + "/run", job);
  ASSERT_TRUE(test::wait_for(job + "/pid"));
  ASSERT_TRUE(test::wait_for(dir + "/run/runs/sft/metrics.jsonl"));  // SFT has started
  ASSERT_EQ(::kill(std::stoi(read_file(job + "/pid")), SIGTERM), 0);
  ASSERT_TRUE(test::wait_for(job + "/rc", 30));  // within 30 s of the signal
  const std::string out = read_file(job + "/out.txt");
  EXPECT_EQ(std::stoi(read_file(job + "/rc")), 128 + SIGTERM) << out;
  EXPECT_NE(out.find("stopped by SIGTERM ("), std::string::npos) << out;  // at whichever step it reached
  EXPECT_FALSE(fs::exists(dir + "/run/report.md"));
  EXPECT_FALSE(fs::exists(dir + "/run/results.json"));
}

// A full disk while writing a checkpoint: a clear error naming the intact previous checkpoint,
// nothing half-written left behind, and --load elsewhere continues to the uninterrupted result.
TEST(StopCli, FullDiskDuringACheckpointKeepsThePreviousOneAndResumes) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const std::string dir = test::temp_dir("enospc"), small = dir + "/small";
  ASSERT_EQ(test::init_tiny_gpt2_model(dir + "/init").exit_code, 0);
  const std::string hh = test::first_lines("data/hh-rlhf/harmless-base-test.jsonl.gz", dir + "/hh.jsonl", 8);
  auto r = test::run_lpo("ref-logprobs --threads 1 --model " + dir + "/init --data " + hh + " --seq-length 96 --out " +
                         dir + "/scored.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string train = "train --threads 1 --no-progress --log-interval 1 --model " + dir + "/init --data-path " +
                            dir + "/scored.jsonl --loss-type sigmoid --lr 1e-3 --train-iters 3 --save-interval 1"
                            " --micro-batch-size 2 --global-batch-size 4 --save ";
  r = test::run_lpo(train + dir + "/full");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  uint64_t checkpoint = 0;  // bytes of one checkpoint
  for (const auto& e : fs::directory_iterator(dir + "/full/iter_0000001")) checkpoint += fs::file_size(e.path());
  fs::create_directories(small);
  // Room for one checkpoint and a half: the second cannot be written.
  const std::string mount = "mount -t tmpfs -o size=" + std::to_string(checkpoint * 3 / 2) + " tmpfs " + small;
  if (std::system((mount + " 2>/dev/null").c_str()) != 0) GTEST_SKIP() << "cannot mount a tmpfs here (needs root)";
  r = test::run_lpo(train + small + "/run");
  const std::string latest = read_file(small + "/run/latest");
  std::vector<std::string> leftovers;
  for (const auto& e : fs::directory_iterator(small + "/run"))
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) leftovers.push_back(e.path().string());
  fs::copy(small + "/run", dir + "/moved", fs::copy_options::recursive);
  std::system(("umount " + small).c_str());
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("No space left on device"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("iter_0000001 is intact"), std::string::npos) << r.output;
  EXPECT_EQ(latest, "iter_0000001\n");
  EXPECT_TRUE(leftovers.empty()) << leftovers.front();
  r = test::run_lpo(train + dir + "/moved --load " + dir + "/moved");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(read_file(dir + "/moved/iter_0000003/model.safetensors"),
            read_file(dir + "/full/iter_0000003/model.safetensors"));
}

}  // namespace
}  // namespace lpo
