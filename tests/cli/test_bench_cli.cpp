// `lpo bench`: one JSON line with the fields bench/compare_train_step.sh reads; the token count
// is the workload's (pairs × (2·prompt + 2·response)) whatever path runs.
#include "cli_support.hpp"

namespace lpo {

TEST(BenchCli, TrainStepPrintsOneJsonLineWithTheWorkloadsTokens) {
  auto r = test::run_lpo("bench train-step --hidden 32 --intermediate 64 --layers 1 --heads 2 --kv-heads 1"
                         " --vocab 300 --pairs 3 --prompt-len 10 --response-len 4 --steps 2 --warmup 1 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto j = nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
  EXPECT_EQ(j.at("tokens_per_step").get<int64_t>(), 3 * (2 * 10 + 2 * 4));
  EXPECT_GT(j.at("tokens_per_s").get<double>(), 0);
  EXPECT_NEAR(j.at("tokens_per_s").get<double>() * j.at("step_ms").get<double>() / 1000, 84, 1e-6);
  EXPECT_GT(j.at("peak_rss_mb").get<double>(), 1);
  r = test::run_lpo("bench gemm --n 64 --reps 2 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GT(nlohmann::json::parse(r.output).at("gflops").get<double>(), 0);
  r = test::run_lpo("bench train-step --hidden 30 --heads 4 --threads 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("multiple of --heads"), std::string::npos) << r.output;
}

}  // namespace lpo
