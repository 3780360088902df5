// A training process killed with SIGKILL resumes from its last checkpoint and produces the
// same per-step losses as an uninterrupted run; SIGTERM saves and exits 143.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "cli_support.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

// iteration -> loss, the last line logged for each iteration (a resumed run logs again).
std::map<int64_t, double> losses_by_iteration(const std::string& metrics) {
  std::map<int64_t, double> out;
  for_each_json_line(metrics, [&](const nlohmann::json& j, long) {
    out[j.at("iteration").get<int64_t>()] = j.at("loss").get<double>();
  });
  return out;
}

std::string train_args(const std::string& model, const std::string& data, const std::string& save,
                       int iters = 30) {
  return "train --model " + model + " --data-path " + data + " --save " + save +
         " --loss-type lpo-ste --add-sft-loss --is-average --lr 1e-3 --train-iters " + std::to_string(iters) +
         " --micro-batch-size 2"
         " --global-batch-size 4 --save-interval 1 --keep-checkpoints 3 --log-interval 1 --no-progress --threads 1";
}

}  // namespace

TEST(CrashResumeCli, KilledRunResumesWithTheUninterruptedLosses) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const std::string dir = test::temp_dir("crash");
  ASSERT_EQ(test::init_tiny_gpt2_model(dir + "/init").exit_code, 0);
  const std::string hh = test::first_lines("data/hh-rlhf/harmless-base-test.jsonl.gz", dir + "/hh.jsonl", 16);
  auto r = test::run_lpo("ref-logprobs --model " + dir + "/init --data " + hh +
                         " --seq-length 96 --batch-size 8 --threads 1 --out " + dir + "/scored.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string model = dir + "/init", data = dir + "/scored.jsonl";
  r = test::run_lpo(train_args(model, data, dir + "/full"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto full = losses_by_iteration(dir + "/full/metrics.jsonl");
  ASSERT_EQ(full.size(), 30u);

  // SIGKILL as soon as the 5th checkpoint exists: whatever it was doing is lost.
  const std::string kill_dir = test::temp_dir("killed");
  test::start_lpo(train_args(model, data, dir + "/run"), kill_dir);
  ASSERT_TRUE(test::wait_for(dir + "/run/iter_0000005/trainer_state.json"));
  ASSERT_TRUE(test::wait_for(kill_dir + "/pid"));
  const pid_t pid = std::stoi(read_file(kill_dir + "/pid"));
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  ASSERT_TRUE(test::wait_for(kill_dir + "/rc"));
  EXPECT_EQ(std::stoi(read_file(kill_dir + "/rc")), 128 + SIGKILL);
  r = test::run_lpo(train_args(model, data, dir + "/run") + " --load " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming from"), std::string::npos) << r.output;
  const auto resumed = losses_by_iteration(dir + "/run/metrics.jsonl");
  ASSERT_EQ(resumed.size(), 30u);
  for (const auto& [iter, loss] : full) EXPECT_EQ(resumed.at(iter), loss) << "iteration " << iter;  // bit-for-bit

  // SIGTERM: the step in flight finishes, a checkpoint is written, exit status 128 + 15
  // ("stopped, resumable"). The run is
  // far too long to end on its own before the signal (sent once its 3rd checkpoint exists), so
  // it must be the signal that stops it.
  const std::string term_dir = test::temp_dir("term");
  test::start_lpo(train_args(model, data, dir + "/term", 100000), term_dir);
  ASSERT_TRUE(test::wait_for(dir + "/term/iter_0000003/trainer_state.json"));
  ASSERT_TRUE(test::wait_for(term_dir + "/pid"));
  const pid_t term_pid = std::stoi(read_file(term_dir + "/pid"));
  ASSERT_EQ(::kill(term_pid, SIGTERM), 0);
  const bool ended = test::wait_for(term_dir + "/rc");
  if (!ended) ::kill(term_pid, SIGKILL);  // leave no 100,000-step run behind
  ASSERT_TRUE(ended) << "SIGTERM did not stop the run within a minute";
  const std::string out = read_file(term_dir + "/out.txt");
  EXPECT_EQ(std::stoi(read_file(term_dir + "/rc")), 128 + SIGTERM) << out;
  EXPECT_NE(out.find("stopped by signal 15"), std::string::npos) << out;
  const auto term_losses = losses_by_iteration(dir + "/term/metrics.jsonl");
  ASSERT_FALSE(term_losses.empty());
  const int64_t last_logged = term_losses.rbegin()->first;
  EXPECT_LT(last_logged, 100000);
  const std::string latest = read_file(dir + "/term/latest");
  EXPECT_EQ(last_logged, std::stoll(latest.substr(5))) << latest;  // the checkpoint is the last step logged
}

}  // namespace lpo
