// Every supported family (qwen3, llama3 RoPE scaling, mistral sliding window, gemma3_text) against
// golden numbers from an independent PyTorch implementation of the transformers formulas
// (../shared/models/tiny-*-golden): full forward, the packed / shared-prompt training forward,
// and KV-cache greedy decoding. One golden id list is longer than each model's window and
// original context, so windows and scaling are exercised.
#include "model/kv_cache.hpp"
#include "util/error.hpp"
#include "model/transformer.hpp"
#include "model_test_support.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>

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

using test::error_of;

nlohmann::json shared_config(const std::string& family) {
  return test::read_json(test::shared_path("models/tiny-" + family + "-golden/config.json"));
}

TEST(FamilyConfig, SwitchesFollowTheFamily) {
  LPO_REQUIRE_SHARED("models/tiny-gemma3-golden/config.json");
  ModelConfig g = ModelConfig::from_json(shared_config("gemma3"));
  EXPECT_EQ(g.hidden_act, "gelu_pytorch_tanh");
  EXPECT_EQ(g.norm_weight_offset, 1.0);
  EXPECT_TRUE(g.qk_norm && g.sandwich_norms && g.scale_embeddings && g.tie_word_embeddings);
  EXPECT_EQ(g.layer_windows, (std::vector<int64_t>{16, 16, 0}));  // sliding_window_pattern 3
  EXPECT_TRUE(g.uses_local_rope(0) && !g.uses_local_rope(2));
  EXPECT_DOUBLE_EQ(g.attention_scale(), 1 / std::sqrt(48.0));
  EXPECT_EQ(g.final_logit_softcapping, 3.0);
  ModelConfig q = ModelConfig::from_json(shared_config("qwen3"));
  EXPECT_TRUE(q.qk_norm && !q.attention_bias && !q.sandwich_norms);
  EXPECT_EQ(q.head_dim, 24);
  EXPECT_EQ(q.window(0), 0);
  ModelConfig l = ModelConfig::from_json(shared_config("llama3"));
  EXPECT_EQ(l.rope_scaling.type, "llama3");
  EXPECT_EQ(l.rope_scaling.original_max_position_embeddings, 64);
  ModelConfig m = ModelConfig::from_json(shared_config("mistral"));
  EXPECT_EQ(m.layer_windows, (std::vector<int64_t>{16, 16, 16}));
  auto none = shared_config("mistral");
  none["sliding_window"] = nullptr;
  EXPECT_EQ(ModelConfig::from_json(none).window(1), 0);
}

TEST(FamilyConfig, QwenWindowsAndLayerTypes) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  auto j = test::read_json(test::shared_path("models/tiny-qwen2-golden/config.json"));
  j["num_hidden_layers"] = 4;
  j["use_sliding_window"] = true;
  j["sliding_window"] = 8;
  j["max_window_layers"] = 2;  // layers 2 and 3 slide (transformers: i >= max_window_layers)
  EXPECT_EQ(ModelConfig::from_json(j).layer_windows, (std::vector<int64_t>{0, 0, 8, 8}));
  j["use_sliding_window"] = false;
  EXPECT_EQ(ModelConfig::from_json(j).layer_windows, (std::vector<int64_t>{0, 0, 0, 0}));
  j["use_sliding_window"] = true;
  j["layer_types"] = {"sliding_attention", "full_attention", "sliding_attention", "full_attention"};
  EXPECT_EQ(ModelConfig::from_json(j).layer_windows, (std::vector<int64_t>{8, 0, 8, 0}));
  j["layer_types"] = {"sliding_attention", "chunked_attention", "full_attention", "full_attention"};
  EXPECT_NE(error_of([&] { ModelConfig::from_json(j, "q/config.json"); }).find("chunked_attention"),
            std::string::npos);
}

TEST(FamilyConfig, UnsupportedFieldsAreRefusedByName) {
  LPO_REQUIRE_SHARED("models/tiny-llama3-golden/config.json");
  auto expect_error = [](nlohmann::json j, const std::string& needle) {
    std::string e = error_of([&] { ModelConfig::from_json(j, "m/config.json"); });
    EXPECT_NE(e.find(needle), std::string::npos) << e;
    EXPECT_NE(e.find("m/config.json"), std::string::npos) << e;
  };
  auto j = shared_config("llama3");
  j["model_type"] = "falcon";
  expect_error(j, "'falcon'");
  j = shared_config("llama3");
  j["rope_scaling"]["rope_type"] = "longrope";
  expect_error(j, "\"longrope\"");
  j = shared_config("llama3");
  j["rope_scaling"].erase("original_max_position_embeddings");
  expect_error(j, "original_max_position_embeddings");
  j = shared_config("llama3");
  j["num_local_experts"] = 8;
  expect_error(j, "num_local_experts");
  j = shared_config("llama3");
  j["vision_config"] = nlohmann::json::object();
  expect_error(j, "vision_config");
  j = shared_config("llama3");
  j["hidden_act"] = "gelu";
  expect_error(j, "hidden_act");
  j = shared_config("llama3");
  j["partial_rotary_factor"] = 0.5;
  expect_error(j, "partial_rotary_factor");
}

TEST(FamilyConfig, HeadDimInconsistentWithWeightsNamesTheField) {
  LPO_REQUIRE_SHARED("models/tiny-qwen3-golden/config.json");
  const std::string dir = test::temp_dir("bad-head-dim");
  std::filesystem::copy(test::shared_path("models/tiny-qwen3-golden/model.safetensors"), dir + "/model.safetensors");
  auto j = shared_config("qwen3");
  j["head_dim"] = 16;  // hidden 64 / 4 heads, but the weights were made with 24
  std::ofstream(dir + "/config.json") << j.dump();
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("head_dim"), std::string::npos) << e;
  EXPECT_NE(e.find("q_proj"), std::string::npos) << e;
}

TEST(FamilyConfig, ShardMissingFromIndexNamesTheFile) {
  LPO_REQUIRE_SHARED("models/tiny-mistral-golden/config.json");
  Transformer model = load_model(test::shared_path("models/tiny-mistral-golden"));
  const std::string dir = test::temp_dir("missing-shard");
  save_model(model, dir, at::kFloat, 40000);
  std::filesystem::remove(dir + "/model-00002-of-" + [&] {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.path().extension() == ".safetensors";
    char buf[8];
    std::snprintf(buf, sizeof buf, "%05d", n);
    return std::string(buf);
  }() + ".safetensors");
  std::string e = error_of([&] { load_model(dir); });
  EXPECT_NE(e.find("model-00002-of-"), std::string::npos) << e;
}

// The golden lists are long enough that the window and the RoPE scaling change the numbers:
// the same weights without them miss the golden logits.
TEST(FamilyConfig, WindowsAndScalingChangeTheGoldenNumbers) {
  LPO_REQUIRE_SHARED("models/tiny-mistral-golden/golden.json");
  at::NoGradGuard no_grad;
  auto misses = [](const std::string& family, const std::function<void(nlohmann::json&)>& edit) {
    const std::string src = test::shared_path("models/tiny-" + family + "-golden");
    const std::string dir = test::temp_dir("no-feature-" + family);
    std::filesystem::copy(src + "/model.safetensors", dir + "/model.safetensors",
                          std::filesystem::copy_options::overwrite_existing);
    auto j = test::read_json(src + "/config.json");
    edit(j);
    std::ofstream(dir + "/config.json") << j.dump();
    Transformer model = load_model(dir);
    auto golden = test::read_json(src + "/golden.json");
    const auto& g = golden.back();  // the longest list
    at::Tensor logits = model.forward(test::row(g["ids"].get<std::vector<int64_t>>()))[0][-1];
    at::Tensor want = at::tensor(g["last_logits"].get<std::vector<double>>(), at::kDouble);
    return !test::close(logits, want);
  };
  EXPECT_TRUE(misses("mistral", [](nlohmann::json& j) { j["sliding_window"] = nullptr; }));
  EXPECT_TRUE(misses("mistral", [](nlohmann::json& j) { j["sliding_window"] = 17; }));  // off by one
  EXPECT_TRUE(misses("llama3", [](nlohmann::json& j) { j["rope_scaling"] = nullptr; }));
  EXPECT_TRUE(misses("gemma3", [](nlohmann::json& j) { j["rope_local_base_freq"] = 1e6; }));
  EXPECT_TRUE(misses("gemma3", [](nlohmann::json& j) { j["final_logit_softcapping"] = nullptr; }));
  EXPECT_TRUE(misses("gemma3", [](nlohmann::json& j) { j["sliding_window_pattern"] = 1; }));
}

INSTANTIATE_TEST_SUITE_P(Families, FamilyGolden, ::testing::Values("qwen3", "llama3", "mistral", "gemma3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace lpo
