// Data-parallel training on c10d/Gloo: 2 local ranks give the losses and weights of 1 rank
// with the same global batch; a rank killed mid-run stops the others with a message, and the
// run resumes from its last checkpoint.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "cli_support.hpp"
#include "io/safetensors.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

std::string train_args(const std::string& dir, const std::string& save, int iters, int global_batch = 8) {
  return "train --model " + dir + "/init --data-path " + dir + "/scored.jsonl --save " + save +
         " --loss-type lpo-ste --add-sft-loss --is-average --lr 1e-3 --micro-batch-size 2 --global-batch-size " +
         std::to_string(global_batch) + " --log-interval 1 --no-progress --train-iters " + std::to_string(iters);
}

// Scored pairs from 16 real HH-RLHF pairs and a tiny gpt2-tokenizer model, under `dir`.
void make_data(const std::string& dir) {
  ASSERT_EQ(test::init_tiny_gpt2_model(dir + "/init").exit_code, 0);
  const std::string hh = test::first_lines("data/hh-rlhf/harmless-base-test.jsonl.gz", dir + "/hh.jsonl", 16);
  auto r = test::run_lpo("ref-logprobs --model " + dir + "/init --data " + hh +
                         " --seq-length 96 --batch-size 8 --threads 1 --out " + dir + "/scored.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
}

}  // namespace

TEST(DistributedCli, TwoRanksMatchOneRankWithTheSameGlobalBatch) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const std::string dir = test::temp_dir("dp");
  make_data(dir);
  auto one = test::run_lpo(train_args(dir, dir + "/one", 6) + " --threads 1");
  ASSERT_EQ(one.exit_code, 0) << one.output;
  auto two = test::run_lpo(train_args(dir, dir + "/two", 6) + " --nproc-per-node 2 --threads 1");
  ASSERT_EQ(two.exit_code, 0) << two.output;
  const auto a = test::logged_losses(dir + "/one/metrics.jsonl"), b = test::logged_losses(dir + "/two/metrics.jsonl");
  ASSERT_EQ(a.size(), 6u);
  ASSERT_EQ(b.size(), 6u);  // rank 0 alone writes the log
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(b[i], a[i], 1e-5 * std::abs(a[i])) << "iteration " << i + 1;
  // Weights within 1e-5 of the model's weight scale. (Per-tensor scale would not do: the
  // k-projection bias gets a gradient that is zero in exact arithmetic — softmax ignores a
  // per-query constant — so it holds Adam-amplified rounding noise near 0.)
  SafetensorsFile wa(dir + "/one/iter_0000006/model.safetensors"), wb(dir + "/two/iter_0000006/model.safetensors");
  double scale = 0;
  for (const auto& name : wa.names()) scale = std::max(scale, wa.tensor(name).abs().max().item<double>());
  for (const auto& name : wa.names()) {
    at::Tensor x = wa.tensor(name), y = wb.tensor(name);
    EXPECT_TRUE(at::allclose(y, x, 1e-5, 1e-5 * scale)) << name << " max diff " << (x - y).abs().max().item<double>();
  }
  // ref-logprobs over 2 ranks: each scores its shard, rank 0 merges; the file equals 1 process's.
  auto scored = test::run_lpo("ref-logprobs --model " + dir + "/init --data " + dir +
                              "/hh.jsonl --seq-length 96 --batch-size 8 --threads 1 --nproc-per-node 2 --out " + dir +
                              "/scored2.jsonl");
  ASSERT_EQ(scored.exit_code, 0) << scored.output;
  EXPECT_EQ(read_file(dir + "/scored2.jsonl"), read_file(dir + "/scored.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/scored2.jsonl.rank1"));
  // sample likewise: 2 ranks write the candidates file 1 process writes.
  const std::string q = test::first_lines("data/gsm8k/test.jsonl", dir + "/q.jsonl", 4);
  const std::string sample = "sample --model " + dir + "/init --data " + q +
                             " --num-candidates 2 --max-new-tokens 6 --threads 1 --out ";
  ASSERT_EQ(test::run_lpo(sample + dir + "/s1.jsonl").exit_code, 0);
  auto s2 = test::run_lpo(sample + dir + "/s2.jsonl --nproc-per-node 2");
  ASSERT_EQ(s2.exit_code, 0) << s2.output;
  EXPECT_EQ(read_file(dir + "/s2.jsonl"), read_file(dir + "/s1.jsonl"));

  // A global batch that does not split over the ranks is refused before any work.
  auto bad = test::run_lpo(train_args(dir, dir + "/bad", 2, 6) + " --nproc-per-node 2 --threads 1");
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.output.find("2 data-parallel ranks"), std::string::npos) << bad.output;
}

TEST(DistributedCli, AKilledRankStopsTheOthersAndTheRunResumes) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const std::string dir = test::temp_dir("dpkill");
  make_data(dir);
  const std::string args = train_args(dir, dir + "/run", 200) + " --save-interval 2 --keep-checkpoints 2"
                           " --nproc-per-node 2 --threads 1 --dist-timeout 30";
  const std::string cmd = "sh -c '" + test::lpo_bin() + " " + args + " > " + dir + "/out.txt 2>&1 & echo $! > " + dir +
                          "/pid; wait $!; echo $? > " + dir + "/rc.tmp; mv " + dir + "/rc.tmp " + dir + "/rc' &";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  auto wait_for = [](const std::string& path, int seconds) {
    for (int i = 0; i < seconds * 100 && !std::filesystem::exists(path); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return std::filesystem::exists(path);
  };
  ASSERT_TRUE(wait_for(dir + "/run/iter_0000004/trainer_state.json", 120));
  const pid_t launcher = std::stoi(read_file(dir + "/pid"));
  pid_t rank1 = 0;  // the launcher's second child
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat;
    try { stat = read_file(e.path().string() + "/stat"); } catch (...) { continue; }
    int ppid = 0;
    if (std::sscanf(stat.substr(stat.rfind(')') + 2).c_str(), "%*c %d", &ppid) != 1 || ppid != launcher) continue;
    std::string env;
    try { env = read_file(e.path().string() + "/environ"); } catch (...) { continue; }
    if (env.find(std::string("RANK=1") + '\0') != std::string::npos && env.find("LOCAL_RANK=1") != std::string::npos)
      rank1 = std::stoi(name);
  }
  ASSERT_GT(rank1, 0) << "rank 1 not found among the children of " << launcher;
  ASSERT_EQ(::kill(rank1, SIGKILL), 0);
  ASSERT_TRUE(wait_for(dir + "/rc", 60)) << "the other rank did not stop";
  const std::string out = read_file(dir + "/out.txt");
  EXPECT_NE(std::stoi(read_file(dir + "/rc")), 0) << out;
  EXPECT_NE(out.find("rank 1 (pid " + std::to_string(rank1) + ") was killed by signal 9"), std::string::npos) << out;

  const int last = std::stoi(read_file(dir + "/run/latest").substr(5));
  auto r = test::run_lpo(train_args(dir, dir + "/run", last + 2) + " --save-interval 2 --nproc-per-node 2 --threads 1 --load " +
                         dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming from"), std::string::npos) << r.output;
}

}  // namespace lpo
