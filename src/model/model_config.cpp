#include "model/model_config.hpp"

#include <filesystem>

#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

int64_t get_int(const nlohmann::json& j, const std::string& key, const std::string& source,
                std::optional<int64_t> fallback = {}) {
  if (!j.contains(key) || j[key].is_null()) {
    check(fallback.has_value(), source, ": missing field '", key, "'");
    return *fallback;
  }
  check(j[key].is_number_integer(), source, ": field '", key, "' must be an integer, got ", j[key].dump());
  return j[key].get<int64_t>();
}

double get_double(const nlohmann::json& j, const std::string& key, const std::string& source,
                  double fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  check(j[key].is_number(), source, ": field '", key, "' must be a number, got ", j[key].dump());
  return j[key].get<double>();
}

bool get_bool(const nlohmann::json& j, const std::string& key, const std::string& source, bool fallback) {
  if (!j.contains(key) || j[key].is_null()) return fallback;
  check(j[key].is_boolean(), source, ": field '", key, "' must be true or false, got ", j[key].dump());
  return j[key].get<bool>();
}

// Token id fields: null, an integer, or (eos) a list of integers.
std::vector<int32_t> get_ids(const nlohmann::json& j, const std::string& key, const std::string& source) {
  std::vector<int32_t> ids;
  if (!j.contains(key) || j[key].is_null()) return ids;
  auto one = [&](const nlohmann::json& v) {
    check(v.is_number_integer(), source, ": field '", key, "' must be an id, a list of ids or null, got ",
          j[key].dump());
    ids.push_back(v.get<int32_t>());
  };
  if (j[key].is_array())
    for (const auto& v : j[key]) one(v);
  else
    one(j[key]);
  return ids;
}

}  // namespace

ModelConfig ModelConfig::from_json(const nlohmann::json& j, const std::string& source) {
  check(j.is_object(), source, ": expected a JSON object");
  ModelConfig c;
  check(j.contains("model_type") && j["model_type"].is_string(), source, ": missing string field 'model_type'");
  c.model_type = j["model_type"].get<std::string>();
  check(c.model_type == "llama" || c.model_type == "qwen2", source, ": field 'model_type' is '", c.model_type,
        "'; supported: llama, qwen2");
  c.vocab_size = get_int(j, "vocab_size", source);
  c.hidden_size = get_int(j, "hidden_size", source);
  c.intermediate_size = get_int(j, "intermediate_size", source);
  c.num_hidden_layers = get_int(j, "num_hidden_layers", source);
  c.num_attention_heads = get_int(j, "num_attention_heads", source);
  c.num_key_value_heads = get_int(j, "num_key_value_heads", source, c.num_attention_heads);
  check(c.num_attention_heads > 0, source, ": field 'num_attention_heads' must be positive");
  c.head_dim = get_int(j, "head_dim", source, c.hidden_size / c.num_attention_heads);
  c.max_position_embeddings = get_int(j, "max_position_embeddings", source, 2048);
  c.rms_norm_eps = get_double(j, "rms_norm_eps", source, 1e-6);
  c.rope_theta = get_double(j, "rope_theta", source, 10000.0);
  c.tie_word_embeddings = get_bool(j, "tie_word_embeddings", source, false);
  c.attention_bias = c.model_type == "qwen2" ? true : get_bool(j, "attention_bias", source, false);
  auto bos = get_ids(j, "bos_token_id", source);
  check(bos.size() <= 1, source, ": field 'bos_token_id' must be one id or null");
  if (!bos.empty()) c.bos_token_id = bos[0];
  c.eos_token_ids = get_ids(j, "eos_token_id", source);
  if (j.contains("torch_dtype") && j["torch_dtype"].is_string()) c.torch_dtype = j["torch_dtype"].get<std::string>();

  check(!j.contains("rope_scaling") || j["rope_scaling"].is_null(), source,
        ": field 'rope_scaling' is set; RoPE scaling is not supported");
  check(!j.contains("hidden_act") || j["hidden_act"] == "silu", source, ": field 'hidden_act' is ",
        j.value("hidden_act", nlohmann::json()).dump(), "; only silu is supported");
  check(!get_bool(j, "use_sliding_window", source, false), source,
        ": field 'use_sliding_window' is true; sliding-window attention is not supported");
  check(!get_bool(j, "mlp_bias", source, false), source, ": field 'mlp_bias' is true; not supported");
  c.validate(source);
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) {
  check(std::filesystem::exists(path), "model path '", path, "' does not exist");
  std::string file = std::filesystem::is_directory(path) ? path + "/config.json" : path;
  check(std::filesystem::exists(file), "'", path, "' has no config.json: not a Hugging Face model directory");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(file));
  } catch (const nlohmann::json::exception& e) {
    fail(file, ": invalid JSON (", e.what(), ")");
  }
  return from_json(j, file);
}

void ModelConfig::validate(const std::string& source) const {
  check(model_type == "llama" || model_type == "qwen2", source, ": model_type '", model_type,
        "' is not llama or qwen2");
  auto positive = [&](int64_t v, const char* field) { check(v > 0, source, ": field '", field, "' must be positive, got ", v); };
  positive(vocab_size, "vocab_size");
  positive(hidden_size, "hidden_size");
  positive(intermediate_size, "intermediate_size");
  positive(num_hidden_layers, "num_hidden_layers");
  positive(num_attention_heads, "num_attention_heads");
  positive(num_key_value_heads, "num_key_value_heads");
  positive(head_dim, "head_dim");
  positive(max_position_embeddings, "max_position_embeddings");
  check(head_dim % 2 == 0, source, ": field 'head_dim' must be even for RoPE, got ", head_dim);
  check(num_attention_heads % num_key_value_heads == 0, source, ": num_attention_heads (", num_attention_heads,
        ") must be a multiple of num_key_value_heads (", num_key_value_heads, ")");
  check(rms_norm_eps > 0, source, ": field 'rms_norm_eps' must be positive");
  check(rope_theta > 0, source, ": field 'rope_theta' must be positive");
}

nlohmann::json ModelConfig::to_json() const {
  nlohmann::json j;
  j["architectures"] = {model_type == "qwen2" ? "Qwen2ForCausalLM" : "LlamaForCausalLM"};
  j["model_type"] = model_type;
  j["vocab_size"] = vocab_size;
  j["hidden_size"] = hidden_size;
  j["intermediate_size"] = intermediate_size;
  j["num_hidden_layers"] = num_hidden_layers;
  j["num_attention_heads"] = num_attention_heads;
  j["num_key_value_heads"] = num_key_value_heads;
  j["head_dim"] = head_dim;
  j["max_position_embeddings"] = max_position_embeddings;
  j["rms_norm_eps"] = rms_norm_eps;
  j["rope_theta"] = rope_theta;
  j["tie_word_embeddings"] = tie_word_embeddings;
  if (model_type == "llama") {
    j["attention_bias"] = attention_bias;
    j["mlp_bias"] = false;
  } else {
    j["use_sliding_window"] = false;
  }
  j["attention_dropout"] = 0.0;
  j["hidden_act"] = "silu";
  j["initializer_range"] = 0.02;
  j["use_cache"] = true;
  j["bos_token_id"] = bos_token_id ? nlohmann::json(*bos_token_id) : nlohmann::json(nullptr);
  if (eos_token_ids.empty())
    j["eos_token_id"] = nullptr;
  else if (eos_token_ids.size() == 1)
    j["eos_token_id"] = eos_token_ids[0];
  else
    j["eos_token_id"] = eos_token_ids;
  j["torch_dtype"] = torch_dtype;
  return j;
}

ModelConfig preset_config(const std::string& name, int64_t vocab_size) {
  ModelConfig c;
  c.model_type = "qwen2";
  c.attention_bias = true;
  c.vocab_size = vocab_size;
  c.tie_word_embeddings = true;
  c.rms_norm_eps = 1e-6;
  c.rope_theta = 10000.0;
  c.max_position_embeddings = 2048;
  if (name == "tiny") {
    c.hidden_size = 256;
    c.intermediate_size = 688;
    c.num_hidden_layers = 4;
    c.num_attention_heads = 4;
    c.num_key_value_heads = 2;
  } else if (name == "small") {
    c.hidden_size = 512;
    c.intermediate_size = 1376;
    c.num_hidden_layers = 8;
    c.num_attention_heads = 8;
    c.num_key_value_heads = 4;
  } else {
    fail("unknown model preset '", name, "' (known: tiny, small)");
  }
  c.head_dim = c.hidden_size / c.num_attention_heads;
  c.validate("preset " + name);
  return c;
}

}  // namespace lpo
