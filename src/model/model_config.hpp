// Architecture hyper-parameters of a decoder-only model, read from and written to a Hugging
// Face config.json (field names as in transformers' LlamaConfig, Qwen2Config, Qwen3Config,
// MistralConfig, Gemma3TextConfig). A family is data: model_families.cpp maps each supported
// `model_type` to the switches below, and the one decoder (transformer.cpp) picks each piece
// from them.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpo {

/// The RoPE frequency variant of config.json's `rope_scaling` (transformers'
/// modeling_rope_utils.py, ROPE_INIT_FUNCTIONS): "default" (none), "linear", "dynamic"
/// (NTK-aware, grows with the sequence), "yarn" (arXiv 2309.00071) or "llama3" (Llama 3.1).
struct RopeScaling {
  std::string type = "default";
  double factor = 1.0;
  double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
  int64_t original_max_position_embeddings = 0;          // llama3 (required), yarn (0: absent)
  std::optional<double> attention_factor;                // yarn: cos/sin multiplier
  std::optional<double> beta_fast, beta_slow;            // yarn (defaults 32 / 1)
  std::optional<double> mscale, mscale_all_dim;          // yarn (DeepSeek's attention factor)
  bool truncate = true;                                  // yarn: integer correction range
  nlohmann::json raw;                                    // the object as read (null: none)
};

struct ModelConfig {
  std::string model_type = "llama";  // a key of the family table (supported_model_types())
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
  bool attention_bias = false;         // q/k/v projection biases (qwen2: always)
  std::optional<int32_t> bos_token_id;
  std::vector<int32_t> eos_token_ids;  // config.json's eos_token_id: null, a number or a list
  std::string torch_dtype = "float32";

  // Family switches (defaults: llama). Set by the family table from config.json.
  std::string hidden_act = "silu";   // gated MLP activation: silu or gelu_pytorch_tanh
  double norm_weight_offset = 0.0;   // RMSNorm scales by (offset + weight): 1 for gemma
  bool qk_norm = false;              // RMSNorm over head_dim on q and k before RoPE (qwen3, gemma3)
  bool sandwich_norms = false;       // gemma: a norm after attention and after the MLP as well
  bool scale_embeddings = false;     // gemma: embeddings × sqrt(hidden_size), in the weights' dtype
  double query_pre_attn_scalar = 0;  // attention scale 1/sqrt(this); 0: 1/sqrt(head_dim)
  double attn_logit_softcapping = 0;  // scores -> cap·tanh(scores / cap); 0: off
  double final_logit_softcapping = 0; // logits -> cap·tanh(logits / cap); 0: off
  RopeScaling rope_scaling;           // RoPE of full-attention layers
  double rope_local_base_freq = 0;    // gemma3: base of sliding layers (default RoPE); 0: as global
  /// Per layer: the sliding window (a query sees itself and the window − 1 keys before it), or
  /// 0 for full causal attention. Empty means all layers full.
  std::vector<int64_t> layer_windows;

  /// The config.json object as read: save writes it back with the fields above updated, so a
  /// directory lpo writes keeps every field (null for configs built in code).
  nlohmann::json source_json;

  /// Parses a config.json object. `source` (a path) prefixes error messages. Throws lpo::Error
  /// naming the field and value for: an unsupported model_type, a missing or ill-typed required
  /// field, a non-positive size, heads not dividing each other, an unknown rope_type or a
  /// scaling field it needs missing, an unsupported activation, and fields of architectures
  /// lpo does not implement (mixture of experts, vision towers, partial rotary, MLP biases).
  static ModelConfig from_json(const nlohmann::json& j, const std::string& source = "config.json");
  /// Reads `path` (a config.json file, or a directory containing one).
  static ModelConfig load(const std::string& path);

  /// HF-compatible config.json: source_json with every field lpo uses overwritten by its value
  /// here (architectures, model_type, sizes, rope_scaling, windows, torch_dtype, ...).
  nlohmann::json to_json() const;

  /// Checks the invariants from_json checks; throws lpo::Error naming the field.
  void validate(const std::string& source = "model config") const;

  /// Sliding window of layer `layer` (0: full attention).
  int64_t window(int64_t layer) const;
  /// True when layer `layer` uses the local RoPE base (gemma3's sliding layers).
  bool uses_local_rope(int64_t layer) const;
  /// 1/sqrt(query_pre_attn_scalar or head_dim): the factor on q·k.
  double attention_scale() const;
};

/// The model_type values lpo implements, comma separated (for messages and --help).
std::string supported_model_types();

/// A named architecture, with `vocab_size` from the tokenizer (0: the preset's own):
///  "tiny":  qwen2 layout, hidden 256, intermediate 688, 4 layers, 4 heads / 2 KV heads
///           (~2.9M parameters besides embeddings), tied embeddings;
///  "small": qwen2 layout, hidden 512, intermediate 1376, 8 layers, 8 heads / 4 KV heads
///           (~23M besides embeddings), tied embeddings;
///  real shapes, the released config.json of each model (random weights are the caller's):
///  "qwen2.5-0.5b", "qwen3-0.6b", "llama3.2-1b", "mistral-7b" (v0.1, window 4096),
///  "gemma3-1b". Throws lpo::Error for another name.
ModelConfig preset_config(const std::string& name, int64_t vocab_size);

/// The preset names, comma separated (for messages and --help).
std::string preset_names();

}  // namespace lpo
