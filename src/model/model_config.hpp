// Architecture hyper-parameters of a Llama / Qwen2 model, read from and written to a Hugging
// Face config.json (field names as in transformers' LlamaConfig / Qwen2Config).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpo {

struct ModelConfig {
  std::string model_type = "llama";  // "llama" or "qwen2"
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;     // GQA; defaults to num_attention_heads
  int64_t head_dim = 0;                // defaults to hidden_size / num_attention_heads
  int64_t max_position_embeddings = 2048;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  bool tie_word_embeddings = false;
  bool attention_bias = false;         // q/k/v projection biases; always true for qwen2
  std::optional<int32_t> bos_token_id;
  std::vector<int32_t> eos_token_ids;  // config.json's eos_token_id: null, a number or a list
  std::string torch_dtype = "float32";

  /// Parses a config.json object. `source` (a path) prefixes error messages. Throws lpo::Error
  /// naming the field for: an unsupported model_type, a missing/ill-typed required field, a
  /// non-positive size, heads not dividing each other, rope_scaling (unsupported), a
  /// hidden_act other than silu, or use_sliding_window=true.
  static ModelConfig from_json(const nlohmann::json& j, const std::string& source = "config.json");
  /// Reads `path` (a config.json file, or a directory containing one).
  static ModelConfig load(const std::string& path);

  /// HF-compatible config.json (architectures, model_type, torch_dtype, hidden_act "silu", ...).
  nlohmann::json to_json() const;

  /// Checks the invariants from_json checks; throws lpo::Error naming the field.
  void validate(const std::string& source = "model config") const;
};

/// A named architecture for models trained from scratch, with `vocab_size` from the tokenizer:
///  "tiny":  qwen2 layout, hidden 256, intermediate 688, 4 layers, 4 heads / 2 KV heads
///           (~2.9M parameters besides embeddings), tied embeddings;
///  "small": qwen2 layout, hidden 512, intermediate 1376, 8 layers, 8 heads / 4 KV heads
///           (~23M besides embeddings), tied embeddings.
/// Throws lpo::Error for another name.
ModelConfig preset_config(const std::string& name, int64_t vocab_size);

}  // namespace lpo
