// Every supported family (qwen3, llama3 RoPE scaling, mistral sliding window, gemma3_text) against
// golden numbers from an independent PyTorch implementation of the transformers formulas
// (../shared/models/tiny-*-golden): full forward, the packed / shared-prompt training forward,
// and KV-cache greedy decoding. One golden id list is longer than each model's window and
// original context, so windows and scaling are exercised.
#include "model/kv_cache.hpp"
#include "model/transformer.hpp"
#include "model_test_support.hpp"

#include <filesystem>

namespace lpo {
namespace {

class FamilyGolden : public ::testing::TestWithParam<std::string> {
 protected:
  std::string dir() const { return "models/tiny-" + GetParam() + "-golden"; }
};

TEST_P(FamilyGolden, LastLogitsAndLogprobs) {
  LPO_REQUIRE_SHARED(dir() + "/golden.json");
  Transformer model = load_model(test::shared_path(dir()));
  auto golden = test::read_json(test::shared_path(dir()) + "/golden.json");
  ASSERT_GE(golden.size(), 3u);
  at::NoGradGuard no_grad;
  for (const auto& g : golden) {
    auto ids = g["ids"].get<std::vector<int64_t>>();
    at::Tensor logits = model.forward(test::row(ids))[0];  // [T, V]
    at::Tensor expected = at::tensor(g["last_logits"].get<std::vector<double>>(), at::kDouble);
    EXPECT_TRUE(test::close(logits[-1], expected)) << GetParam() << ": ids of length " << ids.size()
                                                   << ", max |diff| "
                                                   << (logits[-1].to(at::kDouble) - expected).abs().max().item<double>();
    double sum = test::sum_logprob(logits, ids);
    double want_sum = g["sum_logprob_of_ids_after_first"].get<double>();
    double want_mean = g["mean_logprob_of_ids_after_first"].get<double>();
    EXPECT_NEAR(sum, want_sum, 1e-4 * std::abs(want_sum)) << GetParam() << ": length " << ids.size();
    EXPECT_NEAR(sum / (ids.size() - 1), want_mean, 1e-4 * std::abs(want_mean));
  }
}

// Greedy decoding through the KV cache equals the argmax of the full forward at every step,
// past the sliding window.
TEST_P(FamilyGolden, CachedGreedyMatchesFullForward) {
  LPO_REQUIRE_SHARED(dir() + "/golden.json");
  Transformer model = load_model(test::shared_path(dir()));
  auto golden = test::read_json(test::shared_path(dir()) + "/golden.json");
  std::vector<int64_t> ids = golden[1]["ids"].get<std::vector<int64_t>>();  // 17 or more tokens
  at::NoGradGuard no_grad;
  KVCache cache(model.config().num_hidden_layers);
  ForwardOptions opts;
  opts.cache = &cache;
  at::Tensor logits = model.forward(test::row(ids), opts)[0][-1];
  for (int step = 0; step < 24; ++step) {
    at::Tensor full = model.forward(test::row(ids))[0][-1];
    ASSERT_TRUE(test::close(logits, full, 1e-4, 1e-4)) << GetParam() << ": step " << step;
    ids.push_back(full.argmax().item<int64_t>());
    logits = model.forward(test::row({ids.back()}), opts)[0][-1];
  }
}

// save -> load keeps the logits and every config.json field.
TEST_P(FamilyGolden, SaveLoadRoundTrip) {
  LPO_REQUIRE_SHARED(dir() + "/golden.json");
  Transformer model = load_model(test::shared_path(dir()));
  const std::string out = test::temp_dir("family-" + GetParam());
  save_model(model, out);
  Transformer back = load_model(out);
  auto original = test::read_json(test::shared_path(dir()) + "/config.json");
  auto written = test::read_json(out + "/config.json");
  for (const auto& [key, value] : original.items())
    if (key != "transformers_version") EXPECT_EQ(written[key], value) << GetParam() << ": field " << key;
  at::NoGradGuard no_grad;
  at::Tensor ids = at::arange(3, 43, at::kLong).unsqueeze(0);
  EXPECT_TRUE(at::equal(model.forward(ids), back.forward(ids)));
}

// A bf16 copy in two shards loads as bf16 (not widened) and scores within bf16 tolerance.
TEST_P(FamilyGolden, Bf16ShardedCopyScoresWithinTolerance) {
  LPO_REQUIRE_SHARED(dir() + "/golden.json");
  Transformer model = load_model(test::shared_path(dir()));
  const std::string out = test::temp_dir("family-bf16-" + GetParam());
  uint64_t bytes = 0;
  for (const auto& [name, t] : model.named_parameters()) bytes += t.numel() * 2;
  save_model(model, out, at::kBFloat16, bytes / 2 + 1);
  EXPECT_TRUE(std::filesystem::exists(out + "/model.safetensors.index.json"));
  EXPECT_EQ(test::read_json(out + "/config.json")["torch_dtype"], "bfloat16");
  Transformer bf16 = load_model(out, at::kCPU, at::kBFloat16);
  for (const auto& [name, t] : bf16.named_parameters()) EXPECT_EQ(t.scalar_type(), at::kBFloat16) << name;
  auto golden = test::read_json(test::shared_path(dir()) + "/golden.json");
  at::NoGradGuard no_grad;
  for (const auto& g : golden) {
    auto ids = g["ids"].get<std::vector<int64_t>>();
    double sum = test::sum_logprob(bf16.forward(test::row(ids))[0].to(at::kFloat), ids);
    double want = g["mean_logprob_of_ids_after_first"].get<double>();
    EXPECT_NEAR(sum / (ids.size() - 1), want, 0.05) << GetParam() << ": length " << ids.size();
  }
  // Saved again without a dtype, the copy stays bf16 on disk.
  const std::string again = test::temp_dir("family-bf16-again-" + GetParam());
  save_model(bf16, again);
  EXPECT_EQ(test::read_json(again + "/config.json")["torch_dtype"], "bfloat16");
}

INSTANTIATE_TEST_SUITE_P(Families, FamilyGolden, ::testing::Values("qwen3", "llama3", "mistral", "gemma3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lpo
