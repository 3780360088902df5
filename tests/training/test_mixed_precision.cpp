// --bf16: the bfloat16 compute copy against float32 master weights (training/mixed_precision.hpp),
// and whole training runs in bf16 against float32 on the real tiny models in ../shared.
#include <gtest/gtest.h>

#include <random>

#include "model/runtime.hpp"
#include "model/transformer.hpp"
#include "objectives/batch.hpp"
#include "objectives/response_logps.hpp"
#include "test_support.hpp"
#include "training/mixed_precision.hpp"
#include "training/optimizer.hpp"
#include "training/preference_task.hpp"
#include "training/trainer.hpp"
#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace lpo::training {
namespace {

using test::shared_path;
using test::temp_dir;

// Random pairs over the vocabulary, scored by `reference` in its own dtype (the ref-logprobs step).
std::vector<ScoredPair> scored_random_pairs(const Transformer& reference, int n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const auto vocab = static_cast<uint64_t>(reference.config().vocab_size);
  auto ids = [&](size_t len) {
    std::vector<int32_t> v(len);
    for (auto& id : v) id = static_cast<int32_t>(3 + rng() % (vocab - 3));
    return v;
  };
  at::NoGradGuard no_grad;
  std::vector<ScoredPair> pairs;
  for (int i = 0; i < n; ++i) {
    PairTokens t{ids(6 + rng() % 6), ids(3 + rng() % 5), ids(3 + rng() % 5)};
    std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>> rows{{&t.prompt, &t.chosen},
                                                                                         {&t.prompt, &t.rejected}};
    auto lp = objectives::response_logps(reference, collate_sequences(rows));
    pairs.push_back({t, {lp.sum[0].item<double>(), lp.sum[1].item<double>(), static_cast<int32_t>(t.chosen.size()),
                         static_cast<int32_t>(t.rejected.size())}});
  }
  return pairs;
}

TEST(MixedPrecision, WithoutBf16TheMasterComputes) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  Transformer master = load_model(shared_path("models/tiny-qwen2-golden"));
  MixedPrecision mp(master, false);
  EXPECT_FALSE(mp.enabled());
  EXPECT_EQ(&mp.compute(), &master);
}

TEST(MixedPrecision, CopyIsTheRoundedMasterAndGradientsAccumulateInFloat32) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  Transformer master = load_model(shared_path("models/tiny-qwen2-golden"));
  master.set_requires_grad(true);
  MixedPrecision mp(master, true);
  ASSERT_TRUE(mp.enabled());
  const Transformer& copy = mp.compute();
  EXPECT_EQ(copy.dtype(), at::kBFloat16);
  const auto& m = master.named_parameters();
  const auto& c = copy.named_parameters();
  ASSERT_EQ(m.size(), c.size());
  for (size_t i = 0; i < m.size(); ++i) {
    EXPECT_EQ(m[i].first, c[i].first);
    EXPECT_TRUE(at::equal(c[i].second, m[i].second.to(at::kBFloat16))) << m[i].first;
  }

  // Two micro-batches: the master gradient is the float32 sum of the two bf16 gradients.
  const auto pairs = scored_random_pairs(master, 2, 7);
  const at::Tensor head = c.back().second;  // lm_head.weight
  std::vector<at::Tensor> seen;
  for (const ScoredPair& p : pairs) {
    std::vector<std::pair<const std::vector<int32_t>*, const std::vector<int32_t>*>> rows{
        {&p.tokens.prompt, &p.tokens.chosen}};
    objectives::response_logps(copy, collate_sequences(rows)).sum.sum().backward();
    ASSERT_TRUE(head.grad().defined());
    EXPECT_EQ(head.grad().scalar_type(), at::kBFloat16);
    seen.push_back(head.grad().clone());
    mp.accumulate_gradients();
    EXPECT_FALSE(head.grad().defined()) << "the copy's gradient is dropped once handed over";
  }
  const at::Tensor& main = m.back().second.grad();
  ASSERT_TRUE(main.defined());
  EXPECT_EQ(main.scalar_type(), at::kFloat);
  EXPECT_TRUE(at::equal(main, seen[0].to(at::kFloat) + seen[1].to(at::kFloat)));

  // An update of the master reaches the copy, rounded.
  {
    at::NoGradGuard no_grad;
    for (const auto& [name, t] : m) t.add_(1e-3);
  }
  mp.refresh_weights();
  for (size_t i = 0; i < m.size(); ++i)
    EXPECT_TRUE(at::equal(c[i].second, m[i].second.to(at::kBFloat16))) << m[i].first;
}

struct Run {
  std::vector<double> loss, grad_norm;
};

// `iters` steps on `model_dir` with `loss_type`, in float32 or bf16; the logged per-step values.
Run run_steps(const std::string& model_dir, const std::vector<ScoredPair>& pairs, const std::string& loss_type,
              bool bf16, int iters, double lr, const std::string& log) {
  TrainConfig c;
  c.model = model_dir;
  c.loss.type = loss_type;
  if (loss_type == "lpo-ste") c.loss.add_sft_loss = c.loss.is_average = true;
  c.optim.lr = lr;
  c.train_iters = iters;
  c.micro_batch_size = 2;
  c.global_batch_size = 4;
  c.progress = false;
  c.bf16 = bf16;
  c.log_file = log;
  const VectorPairSource source(pairs);
  PreferenceTask task(source, c.loss);
  train(c, task, nullptr);
  Run run;
  for_each_json_line(log, [&](const nlohmann::json& j, long) {
    run.loss.push_back(j.at("loss").get<double>());
    run.grad_norm.push_back(j.at("grad_norm").get<double>());
  });
  return run;
}

double relative(double a, double b) { return std::abs(a - b) / std::abs(b); }

// Four steps in float32 and in bf16 from the same weights and data. Each run's reference
// log-probs are scored in its own precision, as `lpo ref-logprobs [--bf16]` would give them
// (a bf16 policy against a float32 reference starts off by the rounding of its weights), then
// the chosen ones lowered by 0.1 nats per token, so that no example starts on the kink of
// max(0, ref_c − π_c) where rounding alone would pick the side (and the gradient).
// Step 1 (same weights) must agree to `first` on the loss and 5·first on the gradient norm;
// steps 2-4 to `later` on the loss, and `lr` must be large enough for the updates to move the
// loss by more than 2·later (checked against a run at lr 0).
void expect_bf16_tracks_float32(const std::string& model, const std::string& loss_type, double lr, double first,
                                double later) {
  set_threads(1);
  const std::string dir = temp_dir("bf16_" + loss_type);
  const std::string model_dir = shared_path(model);
  auto score = [&](at::ScalarType dtype) {
    auto pairs = scored_random_pairs(load_model(model_dir, c10::kCPU, dtype), 16, 11);
    for (auto& p : pairs) p.reference.chosen_sum -= 0.1 * p.reference.chosen_len;
    return pairs;
  };
  const Run f32 = run_steps(model_dir, score(at::kFloat), loss_type, false, 4, lr, dir + "/f32.jsonl");
  const Run b16 = run_steps(model_dir, score(at::kBFloat16), loss_type, true, 4, lr, dir + "/bf16.jsonl");
  ASSERT_EQ(f32.loss.size(), 4u);
  ASSERT_EQ(b16.loss.size(), 4u);
  const std::string what = model + " " + loss_type;
  EXPECT_LE(relative(b16.loss[0], f32.loss[0]), first) << what << " step 1 loss";
  EXPECT_LE(relative(b16.grad_norm[0], f32.grad_norm[0]), 5 * first) << what << " step 1 gradient norm";
  for (size_t i = 1; i < f32.loss.size(); ++i)
    EXPECT_LE(relative(b16.loss[i], f32.loss[i]), later) << what << " step " << i + 1;
  // The updates must move the float32 loss well beyond `later` from what the unchanged weights
  // give on the same batches (lr 0): a bf16 path whose copy never took an update, or whose
  // gradients never reached the master, would then be off by more than `later` above.
  const Run frozen = run_steps(model_dir, score(at::kFloat), loss_type, false, 4, 0.0, dir + "/frozen.jsonl");
  ASSERT_EQ(frozen.loss.size(), 4u);
  EXPECT_EQ(frozen.loss[0], f32.loss[0]);
  for (size_t i = 1; i < f32.loss.size(); ++i)
    std::printf("[ info ] %s step %zu: the updates moved the float32 loss by %.3g, bf16 is off by %.3g (relative)\n",
                what.c_str(), i + 1, relative(f32.loss[i], frozen.loss[i]), relative(b16.loss[i], f32.loss[i]));
  EXPECT_GT(relative(f32.loss.back(), frozen.loss.back()), 2 * later) << what << ": the updates must show";
  bool differs = false;
  for (size_t i = 0; i < f32.loss.size(); ++i) differs |= b16.loss[i] != f32.loss[i];
  EXPECT_TRUE(differs) << "bf16 rounding must show somewhere: is the copy really bfloat16?";
}

// A random-init model at lr 3e-3: the updates move the float32 loss by 4 % or more by step 4
// (at the former 1e-4 by 0.15 %, under the tolerance: a frozen bf16 copy passed), and bf16
// tracks float32 to 1e-2 relative over every step (measured: 0.43 % at most).
TEST(MixedPrecision, Bf16LossesTrackFloat32OnTinyQwen2) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  expect_bf16_tracks_float32("models/tiny-qwen2-golden", "lpo-ste", 3e-3, 1e-2, 1e-2);
  expect_bf16_tracks_float32("models/tiny-qwen2-golden", "sigmoid", 3e-3, 1e-2, 1e-2);
}

// A pretrained model at lr 1e-3: same weights agree to 1e-2; afterwards the bf16 copy lags the
// master (an update is below half a bf16 step for many of its weights: |w| > 0.05 has a step
// of 2^-12 or more), so the runs drift apart by up to 23 % (lpo-ste, whose loss is small) and
// 5 % (sigmoid) over three updates, while the updates themselves move the loss by 50 % to 600 %.
TEST(MixedPrecision, Bf16LossesTrackFloat32OnStories260K) {
  LPO_REQUIRE_SHARED("models/stories260K/config.json");
  expect_bf16_tracks_float32("models/stories260K", "lpo-ste", 1e-3, 1e-2, 0.25);
  expect_bf16_tracks_float32("models/stories260K", "sigmoid", 1e-3, 1e-2, 0.1);
}

TEST(MixedPrecision, RefusesNonFloat32Master) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  Transformer master = load_model(shared_path("models/tiny-qwen2-golden"), c10::kCPU, at::kBFloat16);
  EXPECT_THROW(MixedPrecision(master, true), Error);
}

}  // namespace
}  // namespace lpo::training
