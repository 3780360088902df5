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
  // FLOPs by hand: layer matrices 2·32·32 + 2·32·16 + 3·32·64 = 9216 parameters; shared+packed
  // rows hold 3 × 18 tokens, 3 spans of 18² scores, 24 scored tokens:
  // 6·9216·54 + 12·32·972 + 6·32·300·24 = 4,741,632; needed: no attention term, 4,368,384.
  EXPECT_EQ(j.at("path").get<std::string>(), "shared+packed");
  EXPECT_NEAR(j.at("model_gflop").get<double>(), 4741632e-9, 1e-12);
  EXPECT_NEAR(j.at("needed_gflop").get<double>(), 4368384e-9, 1e-12);
  EXPECT_GT(j.at("mfu").get<double>(), 0);
  r = test::run_lpo("bench train-step --hidden 32 --intermediate 64 --layers 1 --heads 2 --kv-heads 1"
                    " --vocab 300 --pairs 3 --prompt-len 10 --response-len 4 --steps 1 --warmup 0 --threads 1"
                    " --no-prefix-sharing --no-packing");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto plain = nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
  // 6 rows of 14: 6·9216·84 + 12·32·(6·14²) + 1,382,400 = 6,478,848.
  EXPECT_EQ(plain.at("path").get<std::string>(), "plain");
  EXPECT_NEAR(plain.at("model_gflop").get<double>(), 6478848e-9, 1e-12);
  EXPECT_EQ(plain.at("tokens_per_step").get<int64_t>(), 84);
  // Two layers of four heads (head_dim 8, the same 9216 matrix parameters per layer): every
  // layer counts, the attention term uses heads·head_dim; --recompute-activations is named in
  // the path and not counted. 6·9216·2·54 + 12·2·32·972 + 1,382,400 = 8,100,864; needed
  // 6·9216·2·54 + 1,382,400 = 7,354,368.
  r = test::run_lpo("bench train-step --hidden 32 --intermediate 64 --layers 2 --heads 4 --kv-heads 2"
                    " --vocab 300 --pairs 3 --prompt-len 10 --response-len 4 --steps 1 --warmup 0 --threads 1"
                    " --recompute-activations");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto deep = nlohmann::json::parse(r.output.substr(r.output.rfind('{')));
  EXPECT_EQ(deep.at("path").get<std::string>(), "shared+packed+recompute");
  EXPECT_NEAR(deep.at("model_gflop").get<double>(), 8100864e-9, 1e-12);
  EXPECT_NEAR(deep.at("needed_gflop").get<double>(), 7354368e-9, 1e-12);
  EXPECT_EQ(deep.at("tokens_per_step").get<int64_t>(), 84);
  r = test::run_lpo("bench gemm --n 64 --reps 2 --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto gemm = nlohmann::json::parse(r.output);
  EXPECT_GT(gemm.at("gflops").get<double>(), 0);
  EXPECT_GE(gemm.at("best_gflops").get<double>(), gemm.at("gflops").get<double>());
  r = test::run_lpo("bench train-step --hidden 30 --heads 4 --threads 1");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("multiple of --heads"), std::string::npos) << r.output;
}

}  // namespace lpo
