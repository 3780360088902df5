#include "model/model_families.hpp"

#include "model/config_fields.hpp"

namespace lpo {
namespace {
using config_fields::get_bool;
using config_fields::get_double;
using config_fields::get_int;
using config_fields::get_string;
using config_fields::has;
using nlohmann::json;

// The sliding window of config.json (null or absent: none).
int64_t sliding_window(const json& j, const std::string& source) {
  int64_t w = get_int(j, "sliding_window", source, 0);
  check(w >= 0, source, ": field 'sliding_window' must be positive or null, got ", w);
  return w;
}

// Per-layer windows: config.json's `layer_types` ("sliding_attention" / "full_attention", as
// transformers >= 4.53 writes them) when present, else `legacy(i)` says which layers slide.
template <typename Legacy>
std::vector<int64_t> layer_windows(const ModelConfig& c, const json& j, const std::string& source, int64_t window,
                                   Legacy legacy) {
  std::vector<int64_t> out(static_cast<size_t>(c.num_hidden_layers), 0);
  if (has(j, "layer_types")) {
    const json& types = j["layer_types"];
    check(types.is_array() && static_cast<int64_t>(types.size()) == c.num_hidden_layers, source,
          ": field 'layer_types' must list one type per layer (", c.num_hidden_layers, "), got ", types.dump());
    for (size_t i = 0; i < types.size(); ++i) {
      check(types[i] == "sliding_attention" || types[i] == "full_attention", source, ": field 'layer_types'[", i,
            "] is ", types[i].dump(), "; supported: sliding_attention, full_attention");
      out[i] = types[i] == "sliding_attention" ? window : 0;
    }
    return out;
  }
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) out[static_cast<size_t>(i)] = legacy(i) ? window : 0;
  return out;
}

int64_t first_window(const ModelConfig& c) {
  for (int64_t w : c.layer_windows)
    if (w > 0) return w;
  return 0;
}

json layer_types_json(const ModelConfig& c) {
  json types = json::array();
  for (int64_t i = 0; i < c.num_hidden_layers; ++i)
    types.push_back(c.window(i) > 0 ? "sliding_attention" : "full_attention");
  return types;
}

void require_silu(ModelConfig& c, const json& j, const std::string& source) {
  c.hidden_act = get_string(j, "hidden_act", source, "silu");
  check(c.hidden_act == "silu", source, ": field 'hidden_act' is \"", c.hidden_act, "\"; this family uses silu");
}

// --- llama (Llama 1-3.x): no window, optional biases ---------------------------------------
void read_llama(ModelConfig& c, const json& j, const std::string& source) {
  require_silu(c, j, source);
  c.attention_bias = get_bool(j, "attention_bias", source, false);
}
void write_llama(const ModelConfig& c, json& j) {
  j["attention_bias"] = c.attention_bias;
  j["mlp_bias"] = false;
  j["hidden_act"] = c.hidden_act;
}

// --- mistral: llama layout, every layer with `sliding_window` (null: full) ------------------
void read_mistral(ModelConfig& c, const json& j, const std::string& source) {
  require_silu(c, j, source);
  int64_t w = sliding_window(j, source);
  c.layer_windows = layer_windows(c, j, source, w, [](int64_t) { return true; });
}
void write_mistral(const ModelConfig& c, json& j) {
  int64_t w = first_window(c);
  j["sliding_window"] = w > 0 ? json(w) : json(nullptr);
  j["hidden_act"] = c.hidden_act;
}

// --- qwen2 / qwen3: window only with use_sliding_window, on layers >= max_window_layers ------
void read_qwen_windows(ModelConfig& c, const json& j, const std::string& source) {
  bool use = get_bool(j, "use_sliding_window", source, false);
  int64_t w = use ? sliding_window(j, source) : 0;
  int64_t first = get_int(j, "max_window_layers", source, c.num_hidden_layers);
  c.layer_windows = layer_windows(c, j, source, w, [first](int64_t i) { return i >= first; });
}
void write_qwen_windows(const ModelConfig& c, json& j) {
  int64_t w = first_window(c);
  j["use_sliding_window"] = w > 0;
  if (w > 0) {
    j["sliding_window"] = w;
    int64_t first = 0;
    while (first < c.num_hidden_layers && c.window(first) == 0) ++first;
    j["max_window_layers"] = first;
  }
}
void read_qwen2(ModelConfig& c, const json& j, const std::string& source) {
  require_silu(c, j, source);
  c.attention_bias = true;  // Qwen2Attention always has q/k/v biases
  read_qwen_windows(c, j, source);
}
void write_qwen2(const ModelConfig& c, json& j) {
  j["hidden_act"] = c.hidden_act;
  write_qwen_windows(c, j);
}
void read_qwen3(ModelConfig& c, const json& j, const std::string& source) {
  require_silu(c, j, source);
  c.attention_bias = get_bool(j, "attention_bias", source, false);
  c.qk_norm = true;
  read_qwen_windows(c, j, source);
}
void write_qwen3(const ModelConfig& c, json& j) {
  j["attention_bias"] = c.attention_bias;
  write_qwen2(c, j);
}

// --- gemma3_text: (1 + w) norms, four per layer, q/k norm, GELU-tanh, scaled embeddings,
// local/global layers (every sliding_window_pattern-th layer global) with a local RoPE base.
void read_gemma3(ModelConfig& c, const json& j, const std::string& source) {
  std::string act = get_string(j, "hidden_activation", source, get_string(j, "hidden_act", source, "gelu_pytorch_tanh"));
  check(act == "gelu_pytorch_tanh", source, ": field 'hidden_activation' is \"", act,
        "\"; gemma3_text uses gelu_pytorch_tanh");
  c.hidden_act = act;
  c.attention_bias = get_bool(j, "attention_bias", source, false);
  c.norm_weight_offset = 1.0;
  c.qk_norm = true;
  c.sandwich_norms = true;
  c.scale_embeddings = true;
  c.query_pre_attn_scalar = get_double(j, "query_pre_attn_scalar", source, 256.0);
  check(c.query_pre_attn_scalar > 0, source, ": field 'query_pre_attn_scalar' must be positive");
  c.attn_logit_softcapping = get_double(j, "attn_logit_softcapping", source, 0.0);
  c.final_logit_softcapping = get_double(j, "final_logit_softcapping", source, 0.0);
  c.rope_local_base_freq = get_double(j, "rope_local_base_freq", source, 10000.0);
  int64_t w = get_int(j, "sliding_window", source, 4096);
  int64_t pattern = get_int(j, "sliding_window_pattern", source, 6);
  check(pattern > 0, source, ": field 'sliding_window_pattern' must be positive, got ", pattern);
  c.layer_windows = layer_windows(c, j, source, w, [pattern](int64_t i) { return (i + 1) % pattern != 0; });
}
void write_gemma3(const ModelConfig& c, json& j) {
  j["hidden_activation"] = c.hidden_act;
  j["attention_bias"] = c.attention_bias;
  j["query_pre_attn_scalar"] = c.query_pre_attn_scalar;
  j["attn_logit_softcapping"] = c.attn_logit_softcapping > 0 ? json(c.attn_logit_softcapping) : json(nullptr);
  j["final_logit_softcapping"] = c.final_logit_softcapping > 0 ? json(c.final_logit_softcapping) : json(nullptr);
  j["rope_local_base_freq"] = c.rope_local_base_freq;
  int64_t w = first_window(c);
  if (w > 0) j["sliding_window"] = w;
  j["layer_types"] = layer_types_json(c);
}

}  // namespace

const std::vector<ModelFamily>& model_families() {
  static const std::vector<ModelFamily> families = {
      {"llama", "LlamaForCausalLM", false, read_llama, write_llama},
      {"mistral", "MistralForCausalLM", false, read_mistral, write_mistral},
      {"qwen2", "Qwen2ForCausalLM", false, read_qwen2, write_qwen2},
      {"qwen3", "Qwen3ForCausalLM", false, read_qwen3, write_qwen3},
      {"gemma3_text", "Gemma3ForCausalLM", true, read_gemma3, write_gemma3},
  };
  return families;
}

const ModelFamily* find_family(const std::string& model_type) {
  for (const ModelFamily& f : model_families())
    if (f.model_type == model_type) return &f;
  return nullptr;
}

}  // namespace lpo
