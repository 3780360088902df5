#include "model/model_config.hpp"

#include <cmath>
#include <filesystem>

#include "model/config_fields.hpp"
#include "model/model_families.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {
using config_fields::get_bool;
using config_fields::get_double;
using config_fields::get_ids;
using config_fields::get_int;
using config_fields::get_optional_double;
using config_fields::get_string;
using config_fields::has;
using nlohmann::json;

// rope_scaling of config.json (transformers' rope_config_validation: `rope_type`, or the
// legacy `type`; "su" / "longrope" and others are refused by name).
RopeScaling read_rope_scaling(const json& j, const std::string& source) {
  RopeScaling r;
  if (!has(j, "rope_scaling")) return r;
  const json& s = j["rope_scaling"];
  const std::string where = source + ": field 'rope_scaling'";
  check(s.is_object(), where, " must be an object or null, got ", s.dump());
  r.raw = s;
  r.type = get_string(s, "rope_type", where, get_string(s, "type", where, "default"));
  check(r.type == "default" || r.type == "linear" || r.type == "dynamic" || r.type == "yarn" || r.type == "llama3",
        where, ": rope_type \"", r.type, "\" is not supported (supported: default, linear, dynamic, yarn, llama3)");
  if (r.type == "default") return r;
  check(has(s, "factor"), where, ": rope_type \"", r.type, "\" needs 'factor'");
  r.factor = get_double(s, "factor", where, 1.0);
  check(r.factor > 0 && (r.type == "yarn" || r.factor >= 1.0), where, ": 'factor' must be >= 1, got ", r.factor);
  r.original_max_position_embeddings = get_int(s, "original_max_position_embeddings", where, 0);
  if (r.type == "llama3") {
    check(r.original_max_position_embeddings > 0, where, ": rope_type \"llama3\" needs a positive "
          "'original_max_position_embeddings'");
    r.low_freq_factor = get_double(s, "low_freq_factor", where, -1);
    r.high_freq_factor = get_double(s, "high_freq_factor", where, -1);
    check(r.low_freq_factor > 0 && r.high_freq_factor > r.low_freq_factor, where,
          ": rope_type \"llama3\" needs 0 < 'low_freq_factor' < 'high_freq_factor'");
  }
  if (r.type == "yarn") {
    r.attention_factor = get_optional_double(s, "attention_factor", where);
    r.beta_fast = get_optional_double(s, "beta_fast", where);
    r.beta_slow = get_optional_double(s, "beta_slow", where);
    r.mscale = get_optional_double(s, "mscale", where);
    r.mscale_all_dim = get_optional_double(s, "mscale_all_dim", where);
    r.truncate = get_bool(s, "truncate", where, true);
  }
  return r;
}

// Fields of architectures lpo does not implement: refused by name rather than half-loaded.
void refuse_unsupported(const json& j, const std::string& source) {
  for (const char* moe : {"num_experts", "num_local_experts", "n_routed_experts"})
    check(get_int(j, moe, source, 0) <= 1, source, ": field '", moe, "' is ", j.value(moe, json()).dump(),
          "; mixture-of-experts models are not supported");
  check(!has(j, "vision_config"), source, ": field 'vision_config' is set; multimodal checkpoints are not "
        "supported (use the text decoder's config, e.g. model_type gemma3_text)");
  check(!has(j, "text_config"), source, ": field 'text_config' is set; this is a multimodal wrapper config, "
        "use its text decoder's config");
  check(get_double(j, "partial_rotary_factor", source, 1.0) == 1.0, source, ": field 'partial_rotary_factor' is ",
        j.value("partial_rotary_factor", json()).dump(), "; only full rotary embeddings are supported");
  check(!get_bool(j, "mlp_bias", source, false), source, ": field 'mlp_bias' is true; not supported");
}

// rope_scaling as config.json writes it: the object read, or one built from the fields.
json rope_scaling_json(const RopeScaling& r) {
  if (r.raw.is_object()) return r.raw;
  if (r.type == "default") return nullptr;
  json s = {{"rope_type", r.type}, {"factor", r.factor}};
  if (r.original_max_position_embeddings > 0) s["original_max_position_embeddings"] = r.original_max_position_embeddings;
  if (r.type == "llama3") {
    s["low_freq_factor"] = r.low_freq_factor;
    s["high_freq_factor"] = r.high_freq_factor;
  }
  auto optional = [&](const char* key, const std::optional<double>& v) {
    if (v) s[key] = *v;
  };
  optional("attention_factor", r.attention_factor);
  optional("beta_fast", r.beta_fast);
  optional("beta_slow", r.beta_slow);
  optional("mscale", r.mscale);
  optional("mscale_all_dim", r.mscale_all_dim);
  if (r.type == "yarn" && !r.truncate) s["truncate"] = false;
  return s;
}

}  // namespace

std::string supported_model_types() {
  std::string out;
  for (const ModelFamily& f : model_families()) out += (out.empty() ? "" : ", ") + f.model_type;
  return out;
}

ModelConfig ModelConfig::from_json(const json& j, const std::string& source) {
  check(j.is_object(), source, ": expected a JSON object");
  ModelConfig c;
  check(j.contains("model_type") && j["model_type"].is_string(), source, ": missing string field 'model_type'");
  c.model_type = j["model_type"].get<std::string>();
  const ModelFamily* family = find_family(c.model_type);
  check(family != nullptr, source, ": field 'model_type' is '", c.model_type, "'; supported: ",
        supported_model_types());
  refuse_unsupported(j, source);
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
  c.tie_word_embeddings = get_bool(j, "tie_word_embeddings", source, family->default_tie);
  auto bos = get_ids(j, "bos_token_id", source);
  check(bos.size() <= 1, source, ": field 'bos_token_id' must be one id or null");
  if (!bos.empty()) c.bos_token_id = bos[0];
  c.eos_token_ids = get_ids(j, "eos_token_id", source);
  c.torch_dtype = get_string(j, "torch_dtype", source, get_string(j, "dtype", source, "float32"));
  c.rope_scaling = read_rope_scaling(j, source);
  family->read(c, j, source);
  c.source_json = j;
  c.validate(source);
  return c;
}

ModelConfig ModelConfig::load(const std::string& path) {
  check(std::filesystem::exists(path), "model path '", path, "' does not exist");
  std::string file = std::filesystem::is_directory(path) ? path + "/config.json" : path;
  check(std::filesystem::exists(file), "'", path, "' has no config.json: not a Hugging Face model directory");
  json j;
  try {
    j = json::parse(read_file(file));
  } catch (const json::exception& e) {
    fail(file, ": invalid JSON (", e.what(), ")");
  }
  return from_json(j, file);
}

void ModelConfig::validate(const std::string& source) const {
  check(find_family(model_type) != nullptr, source, ": model_type '", model_type, "' is not one of ",
        supported_model_types());
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
  check(hidden_act == "silu" || hidden_act == "gelu_pytorch_tanh", source, ": activation '", hidden_act,
        "' is not silu or gelu_pytorch_tanh");
  check(layer_windows.empty() || static_cast<int64_t>(layer_windows.size()) == num_hidden_layers, source,
        ": ", layer_windows.size(), " layer windows for ", num_hidden_layers, " layers");
  check(attn_logit_softcapping >= 0 && final_logit_softcapping >= 0, source, ": soft-caps must be >= 0");
}

int64_t ModelConfig::window(int64_t layer) const {
  return layer_windows.empty() ? 0 : layer_windows.at(static_cast<size_t>(layer));
}

bool ModelConfig::uses_local_rope(int64_t layer) const { return rope_local_base_freq > 0 && window(layer) > 0; }

double ModelConfig::attention_scale() const {
  return 1.0 / std::sqrt(query_pre_attn_scalar > 0 ? query_pre_attn_scalar : static_cast<double>(head_dim));
}

json ModelConfig::to_json() const {
  const ModelFamily* family = find_family(model_type);
  check(family != nullptr, "model_type '", model_type, "' is not one of ", supported_model_types());
  json j = source_json.is_object() ? source_json : json::object();
  if (!j.contains("architectures")) j["architectures"] = {family->architecture};
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
  j["rope_scaling"] = rope_scaling_json(rope_scaling);
  j["tie_word_embeddings"] = tie_word_embeddings;
  family->write(*this, j);
  if (!j.contains("attention_dropout")) j["attention_dropout"] = 0.0;
  if (!j.contains("initializer_range")) j["initializer_range"] = 0.02;
  if (!j.contains("use_cache")) j["use_cache"] = true;
  j["bos_token_id"] = bos_token_id ? json(*bos_token_id) : json(nullptr);
  if (eos_token_ids.empty())
    j["eos_token_id"] = nullptr;
  else if (eos_token_ids.size() == 1)
    j["eos_token_id"] = eos_token_ids[0];
  else
    j["eos_token_id"] = eos_token_ids;
  j["torch_dtype"] = torch_dtype;
  if (j.contains("dtype")) j["dtype"] = torch_dtype;  // transformers >= 4.56 writes this name
  return j;
}

}  // namespace lpo
