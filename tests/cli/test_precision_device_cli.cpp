// --bf16 and --device from the command line: a bf16 pipeline (reference scored in bf16, trained
// with a bf16 compute copy) tracks the float32 one, checkpoints keep float32 master weights and
// resume; devices this build or machine lacks are refused with a message.
#include "cli_support.hpp"
#include "io/safetensors.hpp"
#include "model/runtime.hpp"

namespace lpo {
namespace {

std::string train_args(const std::string& dir, const std::string& data, const std::string& save, int iters) {
  return "train --model " + dir + "/init --data-path " + data + " --save " + save +
         " --loss-type sigmoid --lr 1e-4 --micro-batch-size 2 --global-batch-size 4 --log-interval 1"
         " --no-progress --threads 1 --train-iters " + std::to_string(iters);
}

}  // namespace

TEST(PrecisionCli, Bf16PipelineTracksFloat32AndCheckpointsFloat32Masters) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const std::string dir = test::temp_dir("bf16");
  ASSERT_EQ(test::init_tiny_gpt2_model(dir + "/init").exit_code, 0);
  const std::string hh = test::first_lines("data/hh-rlhf/harmless-base-test.jsonl.gz", dir + "/hh.jsonl", 8);
  for (const std::string precision : {"", " --bf16"}) {
    auto r = test::run_lpo("ref-logprobs --model " + dir + "/init --data " + hh + " --seq-length 96 --threads 1" +
                           precision + " --out " + dir + "/scored" + (precision.empty() ? "32" : "16") + ".jsonl");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  auto r = test::run_lpo(train_args(dir, dir + "/scored32.jsonl", dir + "/f32", 2) + " --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = test::run_lpo(train_args(dir, dir + "/scored16.jsonl", dir + "/bf16", 2) + " --bf16");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("--bf16: bfloat16 forward/backward"), std::string::npos) << r.output;
  const auto f32 = test::logged_losses(dir + "/f32/metrics.jsonl");
  const auto b16 = test::logged_losses(dir + "/bf16/metrics.jsonl");
  ASSERT_EQ(f32.size(), 2u);
  ASSERT_EQ(b16.size(), 2u);
  // Policy = its own reference at step 1: log 2 in both precisions.
  EXPECT_NEAR(f32[0], std::log(2.0), 1e-5);
  EXPECT_NEAR(b16[0], std::log(2.0), 1e-2 * std::log(2.0));
  EXPECT_NEAR(b16[1], f32[1], 1e-2 * f32[1]);

  // The checkpoint holds the float32 master weights, and a bf16 run resumes from it.
  SafetensorsFile weights(dir + "/bf16/iter_0000002/model.safetensors");
  for (const auto& name : weights.names()) EXPECT_EQ(weights.entry(name).dtype, "F32") << name;
  r = test::run_lpo(train_args(dir, dir + "/scored16.jsonl", dir + "/bf16", 3) + " --bf16 --load " + dir + "/bf16");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("resuming from"), std::string::npos) << r.output;
  EXPECT_EQ(test::logged_losses(dir + "/bf16/metrics.jsonl").size(), 3u);
}

TEST(PrecisionCli, BenchReportsDeviceDtypeAndPeakMfu) {
  auto r = test::run_lpo("bench train-step --hidden 32 --intermediate 64 --layers 1 --heads 2 --kv-heads 1"
                         " --vocab 300 --pairs 2 --prompt-len 8 --response-len 4 --steps 1 --warmup 0 --threads 1"
                         " --device cpu --bf16 --peak-tflops 2");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
  EXPECT_EQ(j.at("device").get<std::string>(), "cpu");
  EXPECT_EQ(j.at("dtype").get<std::string>(), "bf16-mixed");
  EXPECT_GT(j.at("peak_memory_mb").get<double>(), 1);
  const double step_s = j.at("step_ms").get<double>() / 1000;
  EXPECT_NEAR(j.at("mfu_peak").get<double>(), j.at("model_gflop").get<double>() / step_s / 2000, 1e-9);
  r = test::run_lpo("bench gemm --n 64 --reps 1 --threads 1 --bf16");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(nlohmann::json::parse(r.output).at("gflops").get<double>(), 0);
}

TEST(DeviceCli, RefusesDevicesThisBuildOrMachineLacks) {
  if (cuda_available()) GTEST_SKIP() << "this machine has a GPU";
  for (const std::string cmd : {"bench gemm --n 8 --device cuda", "bench gemm --n 8 --device cuda:3"}) {
    auto r = test::run_lpo(cmd);
    EXPECT_EQ(r.exit_code, 1) << cmd;
    EXPECT_NE(r.output.find("no CUDA here"), std::string::npos) << r.output;
  }
  auto r = test::run_lpo("bench gemm --n 8 --device tpu");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("expected auto, cpu, cuda or cuda:N, got 'tpu'"), std::string::npos) << r.output;
  r = test::run_lpo("bench gemm --n 8 --reps 1 --device auto");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = test::run_lpo("info");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("cuda no\nnccl no\ndevice cpu\n"), std::string::npos) << r.output;
}

}  // namespace lpo
