// ModelConfig parsing and load_model / save_model round trips and failures.
#include <filesystem>
#include <fstream>

#include "io/hf_checkpoint.hpp"
#include "io/safetensors.hpp"
#include "model/transformer.hpp"
#include "model_test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {
namespace fs = std::filesystem;

using test::error_of;

nlohmann::json llama_json() {
  return {{"model_type", "llama"}, {"vocab_size", 100}, {"hidden_size", 32}, {"intermediate_size", 64},
          {"num_hidden_layers", 2}, {"num_attention_heads", 4}, {"bos_token_id", 1}, {"eos_token_id", {2, 7}}};
}

TEST(ModelConfig, ParsesDefaultsAndIdLists) {
  ModelConfig c = ModelConfig::from_json(llama_json());
  EXPECT_EQ(c.num_key_value_heads, 4);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_EQ(*c.bos_token_id, 1);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int32_t>{2, 7}));
  auto j = llama_json();
  j["model_type"] = "qwen2";
  j["bos_token_id"] = nullptr;
  j["eos_token_id"] = 5;
  ModelConfig q = ModelConfig::from_json(j);
  EXPECT_TRUE(q.attention_bias);
  EXPECT_FALSE(q.bos_token_id.has_value());
  EXPECT_EQ(q.eos_token_ids, (std::vector<int32_t>{5}));
}

TEST(ModelConfig, ToJsonRoundTripsAndIsHfShaped) {
  ModelConfig c = preset_config("small", 5000);
  c.eos_token_ids = {3};
  nlohmann::json j = c.to_json();
  EXPECT_EQ(j["architectures"][0], "Qwen2ForCausalLM");
  EXPECT_EQ(j["hidden_act"], "silu");
  EXPECT_EQ(j["eos_token_id"], 3);
  EXPECT_TRUE(j["bos_token_id"].is_null());
  ModelConfig back = ModelConfig::from_json(j);
  EXPECT_EQ(back.to_json(), j);
}

TEST(ModelConfig, ErrorsNameTheField) {
  auto j = llama_json();
  j["model_type"] = "gpt2";
  EXPECT_NE(error_of([&] { ModelConfig::from_json(j, "x/config.json"); }).find("model_type"), std::string::npos);
  j = llama_json();
  j.erase("hidden_size");
  EXPECT_NE(error_of([&] { ModelConfig::from_json(j); }).find("'hidden_size'"), std::string::npos);
  j = llama_json();
  j["num_key_value_heads"] = 3;
  EXPECT_NE(error_of([&] { ModelConfig::from_json(j); }).find("num_key_value_heads"), std::string::npos);
  j = llama_json();
  j["rope_scaling"] = {{"type", "linear"}};
  EXPECT_NE(error_of([&] { ModelConfig::from_json(j); }).find("rope_scaling"), std::string::npos);
  j = llama_json();
  j["rms_norm_eps"] = "small";
  EXPECT_NE(error_of([&] { ModelConfig::from_json(j); }).find("rms_norm_eps"), std::string::npos);
  EXPECT_NE(error_of([] { preset_config("huge", 10); }).find("huge"), std::string::npos);
}

Transformer small_random(bool tied) {
  auto j = llama_json();
  j["tie_word_embeddings"] = tied;
  j["num_key_value_heads"] = 2;
  Transformer m(ModelConfig::from_json(j));
  m.init_random(11, 0.1);
  return m;
}

TEST(ModelIo, SaveLoadRoundTripFloat32AndSharded) {
  for (bool tied : {false, true}) {
    Transformer m = small_random(tied);
    auto dir = test::temp_dir(tied ? "tied" : "untied");
    save_model(m, dir);
    EXPECT_EQ(SafetensorsFile(dir + "/model.safetensors").contains("lm_head.weight"), !tied);
    Transformer back = load_model(dir);
    at::Tensor ids = at::arange(1, 9, at::kLong).unsqueeze(0);
    EXPECT_TRUE(at::equal(back.forward(ids), m.forward(ids)));
    save_model(m, dir, at::kFloat, /*max_shard_bytes=*/20000);
    EXPECT_TRUE(fs::exists(dir + "/model.safetensors.index.json"));
    EXPECT_FALSE(fs::exists(dir + "/model.safetensors"));
    EXPECT_TRUE(at::equal(load_model(dir).forward(ids), m.forward(ids)));
  }
}

TEST(ModelIo, HalfPrecisionOnDisk) {
  Transformer m = small_random(false);
  at::Tensor ids = at::arange(1, 9, at::kLong).unsqueeze(0);
  for (at::ScalarType t : {at::kBFloat16, at::kHalf}) {
    auto dir = test::temp_dir(c10::toString(t));
    save_model(m, dir, t);
    EXPECT_EQ(ModelConfig::load(dir).torch_dtype, t == at::kHalf ? "float16" : "bfloat16");
    EXPECT_EQ(SafetensorsFile(dir + "/model.safetensors").entry("model.norm.weight").dtype,
              t == at::kHalf ? "F16" : "BF16");
    Transformer back = load_model(dir);  // converted to float32 on load
    EXPECT_TRUE(at::equal(back.parameter("model.layers.0.mlp.up_proj.weight"),
                          m.parameter("model.layers.0.mlp.up_proj.weight").to(t).to(at::kFloat)));
    EXPECT_TRUE(at::allclose(back.forward(ids), m.forward(ids), 0.05, 0.05));
    Transformer native = load_model(dir, at::kCPU, t);  // kept in half precision
    EXPECT_EQ(native.dtype(), t);
  }
  EXPECT_THROW(save_model(m, test::temp_dir("bad"), at::kLong), Error);
}

// A copy of a golden model directory whose files the test may change.
std::string copy_model(const std::string& rel) {
  auto dir = test::temp_dir("copy");
  for (const auto& e : fs::directory_iterator(test::shared_path(rel)))
    fs::copy_file(e.path(), dir + "/" + e.path().filename().string());
  for (const auto& e : fs::directory_iterator(dir))
    fs::permissions(e.path(), fs::perms::owner_read | fs::perms::owner_write);
  return dir;
}

TEST(ModelIo, ShapeMismatchWithConfigNamesTensorAndShapes) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  auto dir = copy_model("models/tiny-qwen2-golden");
  auto j = test::read_json(dir + "/config.json");
  j["intermediate_size"] = 100;
  std::ofstream(dir + "/config.json") << j.dump();
  std::string err = error_of([&] { load_model(dir); });
  EXPECT_NE(err.find("model.layers.0.mlp.gate_proj.weight"), std::string::npos) << err;
  EXPECT_NE(err.find("[112, 48]"), std::string::npos) << err;
  EXPECT_NE(err.find("[100, 48]"), std::string::npos) << err;
}

TEST(ModelIo, MissingAndUnexpectedTensors) {
  LPO_REQUIRE_SHARED("models/tiny-qwen2-golden/config.json");
  auto dir = copy_model("models/tiny-qwen2-golden");
  auto tensors = load_checkpoint_tensors(dir);
  std::vector<std::pair<std::string, at::Tensor>> list(tensors.begin(), tensors.end());
  auto without = list;
  without.erase(std::remove_if(without.begin(), without.end(),
                               [](auto& p) { return p.first == "model.layers.2.self_attn.v_proj.bias"; }),
                without.end());
  save_checkpoint_tensors(dir, without);
  std::string err = error_of([&] { load_model(dir); });
  EXPECT_NE(err.find("lacks tensor 'model.layers.2.self_attn.v_proj.bias'"), std::string::npos) << err;

  auto extra = list;
  extra.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", at::ones({4}));  // tolerated
  save_checkpoint_tensors(dir, extra);
  EXPECT_NO_THROW(load_model(dir));
  extra.emplace_back("model.layers.9.mlp.up_proj.weight", at::ones({2, 2}));
  save_checkpoint_tensors(dir, extra);
  err = error_of([&] { load_model(dir); });
  EXPECT_NE(err.find("unexpected tensor 'model.layers.9.mlp.up_proj.weight'"), std::string::npos) << err;
}

TEST(ModelIo, TruncatedCheckpointFails) {
  LPO_REQUIRE_SHARED("models/stories260K/config.json");
  auto dir = copy_model("models/stories260K");
  fs::resize_file(dir + "/model.safetensors", fs::file_size(dir + "/model.safetensors") - 100);
  std::string err = error_of([&] { load_model(dir); });
  EXPECT_NE(err.find("model.safetensors"), std::string::npos) << err;
  EXPECT_NE(err.find("model.norm.weight"), std::string::npos) << err;
}

}  // namespace
}  // namespace lpo
