// Named architectures for `lpo init-model --preset`: two small shapes for models trained from
// scratch, and the released config.json of real models (random weights, real shapes), so
// users and benchmarks can make faithful stand-ins without downloading the weights.
#include <map>

#include "model/model_config.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

// Values as published in each model's config.json on the Hugging Face Hub.
const std::map<std::string, const char*>& real_presets() {
  static const std::map<std::string, const char*> presets = {
      {"qwen2.5-0.5b", R"({"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
        "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151643, "hidden_act": "silu",
        "hidden_size": 896, "initializer_range": 0.02, "intermediate_size": 4864,
        "max_position_embeddings": 32768, "max_window_layers": 24, "num_attention_heads": 14,
        "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
        "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
        "use_mrope": false, "use_sliding_window": false, "vocab_size": 151936})"},
      {"qwen3-0.6b", R"({"architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3",
        "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 151643, "eos_token_id": 151645,
        "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024, "initializer_range": 0.02,
        "intermediate_size": 3072, "max_position_embeddings": 40960, "max_window_layers": 28,
        "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8, "rms_norm_eps": 1e-06,
        "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null, "tie_word_embeddings": true,
        "torch_dtype": "bfloat16", "use_cache": true, "use_sliding_window": false, "vocab_size": 151936})"},
      {"llama3.2-1b", R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama",
        "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 128000, "eos_token_id": 128001,
        "head_dim": 64, "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
        "intermediate_size": 8192, "max_position_embeddings": 131072, "mlp_bias": false,
        "num_attention_heads": 32, "num_hidden_layers": 16, "num_key_value_heads": 8, "pretraining_tp": 1,
        "rms_norm_eps": 1e-05, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0,
        "low_freq_factor": 1.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"},
        "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "use_cache": true,
        "vocab_size": 128256})"},
      {"mistral-7b", R"({"architectures": ["MistralForCausalLM"], "model_type": "mistral",
        "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 4096,
        "initializer_range": 0.02, "intermediate_size": 14336, "max_position_embeddings": 32768,
        "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
        "rope_theta": 10000.0, "sliding_window": 4096, "tie_word_embeddings": false,
        "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 32000})"},
      {"gemma3-1b", R"({"architectures": ["Gemma3ForCausalLM"], "model_type": "gemma3_text",
        "attention_bias": false, "attention_dropout": 0.0, "attn_logit_softcapping": null, "bos_token_id": 2,
        "cache_implementation": "hybrid", "eos_token_id": 1, "final_logit_softcapping": null,
        "head_dim": 256, "hidden_activation": "gelu_pytorch_tanh", "hidden_size": 1152,
        "initializer_range": 0.02, "intermediate_size": 6912, "max_position_embeddings": 32768,
        "num_attention_heads": 4, "num_hidden_layers": 26, "num_key_value_heads": 1, "pad_token_id": 0,
        "query_pre_attn_scalar": 256, "rms_norm_eps": 1e-06, "rope_local_base_freq": 10000,
        "rope_scaling": null, "rope_theta": 1000000, "sliding_window": 512, "sliding_window_pattern": 6,
        "torch_dtype": "bfloat16", "use_cache": true, "vocab_size": 262144})"},
  };
  return presets;
}

ModelConfig small_preset(int64_t hidden, int64_t intermediate, int64_t layers, int64_t heads, int64_t kv_heads) {
  ModelConfig c;
  c.model_type = "qwen2";
  c.attention_bias = true;
  c.tie_word_embeddings = true;
  c.rms_norm_eps = 1e-6;
  c.rope_theta = 10000.0;
  c.max_position_embeddings = 2048;
  c.hidden_size = hidden;
  c.intermediate_size = intermediate;
  c.num_hidden_layers = layers;
  c.num_attention_heads = heads;
  c.num_key_value_heads = kv_heads;
  c.head_dim = hidden / heads;
  return c;
}

}  // namespace

std::string preset_names() {
  std::string out = "tiny, small";
  for (const auto& [name, json] : real_presets()) out += ", " + name;
  return out;
}

ModelConfig preset_config(const std::string& name, int64_t vocab_size) {
  ModelConfig c;
  if (name == "tiny") {
    c = small_preset(256, 688, 4, 4, 2);
  } else if (name == "small") {
    c = small_preset(512, 1376, 8, 8, 4);
  } else {
    auto it = real_presets().find(name);
    check(it != real_presets().end(), "unknown model preset '", name, "' (known: ", preset_names(), ")");
    c = ModelConfig::from_json(nlohmann::json::parse(it->second), "preset " + name);
    // A real shape keeps its (padded) vocabulary unless the tokenizer needs more.
    if (vocab_size > c.vocab_size) c.vocab_size = vocab_size;
    c.validate("preset " + name);
    return c;
  }
  c.vocab_size = vocab_size;
  c.validate("preset " + name);
  return c;
}

}  // namespace lpo
