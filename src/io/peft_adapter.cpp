#include "io/peft_adapter.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "io/safetensors.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

constexpr const char* kConfigFile = "adapter_config.json";
constexpr const char* kTensorFile = "adapter_model.safetensors";
constexpr const char* kPrefix = "base_model.model.";

std::vector<std::string> in_module_order(const std::set<std::string>& chosen) {
  std::vector<std::string> out;
  for (const std::string& m : lora_linear_modules())
    if (chosen.count(m)) out.push_back(m);
  return out;
}

bool known_module(const std::string& m) {
  const auto& all = lora_linear_modules();
  return std::find(all.begin(), all.end(), m) != all.end();
}

}  // namespace

double LoraConfig::scale() const {
  return use_rslora ? alpha / std::sqrt(static_cast<double>(r)) : alpha / static_cast<double>(r);
}

void LoraConfig::validate(const std::string& where) const {
  check(r > 0, where, ": 'r' (LoRA rank) must be positive, got ", r);
  check(dropout >= 0.0 && dropout < 1.0, where, ": 'lora_dropout' must be in [0, 1), got ", dropout);
  check(!target_modules.empty(), where, ": 'target_modules' is empty");
  for (const std::string& m : target_modules)
    check(known_module(m), where, ": 'target_modules' has '", m,
          "'; expected q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj or all-linear");
}

std::vector<std::string> parse_lora_target_modules(const std::string& list, const std::string& flag) {
  std::set<std::string> chosen;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string name = list.substr(start, end - start);
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (name == "all-linear") {
      chosen.insert(lora_linear_modules().begin(), lora_linear_modules().end());
    } else if (!name.empty()) {
      check(known_module(name), flag, ": unknown module '", name,
            "'; expected q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj or all-linear");
      chosen.insert(name);
    }
    start = end + 1;
  }
  check(!chosen.empty(), flag, ": no modules given");
  return in_module_order(chosen);
}

bool is_lora_adapter_dir(const std::string& dir) {
  return std::filesystem::exists(std::filesystem::path(dir) / kConfigFile);
}

LoraConfig read_lora_config(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kConfigFile).string();
  check(std::filesystem::exists(path), dir, ": not a LoRA adapter directory (no ", kConfigFile, ")");
  nlohmann::json js;
  try {
    js = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": invalid JSON (", e.what(), ")");
  }
  check(js.is_object(), path, ": expected a JSON object");
  auto field = [&](const char* name) -> const nlohmann::json& {
    check(js.contains(name) && !js.at(name).is_null(), path, ": missing field '", name, "'");
    return js.at(name);
  };
  try {
    const std::string type = field("peft_type").get<std::string>();
    check(type == "LORA", path, ": 'peft_type' is '", type, "'; only LORA adapters are supported");
    LoraConfig c;
    c.r = field("r").get<int64_t>();
    c.alpha = js.contains("lora_alpha") && !js["lora_alpha"].is_null() ? js["lora_alpha"].get<double>() : 8.0;
    c.dropout = js.value("lora_dropout", 0.0);
    c.use_rslora = js.value("use_rslora", false);
    if (js.contains("bias") && !js["bias"].is_null())
      check(js["bias"].get<std::string>() == "none", path, ": 'bias' is '", js["bias"].get<std::string>(),
            "'; only \"none\" is supported");
    check(!js.value("fan_in_fan_out", false), path, ": 'fan_in_fan_out' true is not supported");
    check(!js.value("use_dora", false), path, ": 'use_dora' true (DoRA) is not supported");
    check(!js.contains("rank_pattern") || js["rank_pattern"].is_null() || js["rank_pattern"].empty(), path,
          ": 'rank_pattern' is not supported");
    check(!js.contains("alpha_pattern") || js["alpha_pattern"].is_null() || js["alpha_pattern"].empty(), path,
          ": 'alpha_pattern' is not supported");
    const nlohmann::json& t = field("target_modules");
    if (t.is_string()) {
      const std::string s = t.get<std::string>();
      check(s == "all-linear" || known_module(s), path, ": 'target_modules' \"", s,
            "\" is a regular expression or unknown name; list the modules instead");
      c.target_modules = parse_lora_target_modules(s, path + ": 'target_modules'");
    } else {
      check(t.is_array(), path, ": 'target_modules' must be a list or \"all-linear\"");
      std::set<std::string> chosen;
      for (const auto& m : t) {
        std::string name = m.get<std::string>();
        if (name.find('.') != std::string::npos) name = name.substr(name.rfind('.') + 1);  // PEFT suffix match
        check(known_module(name), path, ": 'target_modules' has '", name,
              "'; expected q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj");
        chosen.insert(name);
      }
      c.target_modules = in_module_order(chosen);
    }
    if (js.contains("layers_to_transform") && !js["layers_to_transform"].is_null()) {
      const nlohmann::json& l = js["layers_to_transform"];
      if (l.is_number_integer()) c.layers.push_back(l.get<int64_t>());
      else c.layers = l.get<std::vector<int64_t>>();
    }
    if (js.contains("base_model_name_or_path") && js["base_model_name_or_path"].is_string())
      c.base_model = js["base_model_name_or_path"].get<std::string>();
    c.validate(path);
    return c;
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": a field has the wrong type (", e.what(), ")");
  }
}

std::map<std::string, at::Tensor> read_lora_tensors(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kTensorFile).string();
  check(std::filesystem::exists(path), dir, ": no ", kTensorFile);
  SafetensorsFile file(path);
  std::map<std::string, at::Tensor> out;
  const std::string prefix = kPrefix;
  for (const std::string& name : file.names()) {
    check(name.rfind(prefix, 0) == 0, path, ": tensor '", name, "' does not start with '", prefix, "'");
    out[name.substr(prefix.size())] = file.tensor(name, at::kFloat).clone();
  }
  return out;
}

void write_lora_adapter(const std::string& dir, const LoraConfig& c,
                        const std::vector<std::pair<std::string, at::Tensor>>& tensors) {
  c.validate("write_lora_adapter");
  std::filesystem::create_directories(dir);
  std::vector<std::pair<std::string, at::Tensor>> named;
  for (const auto& [name, t] : tensors) named.emplace_back(kPrefix + name, t.detach().to(at::kFloat).cpu());
  save_safetensors((std::filesystem::path(dir) / kTensorFile).string(), named, {{"format", "pt"}});
  nlohmann::json js = {{"peft_type", "LORA"},
                       {"task_type", "CAUSAL_LM"},
                       {"r", c.r},
                       {"lora_alpha", c.alpha},
                       {"lora_dropout", c.dropout},
                       {"target_modules", c.target_modules},
                       {"use_rslora", c.use_rslora},
                       {"bias", "none"},
                       {"fan_in_fan_out", false},
                       {"base_model_name_or_path", c.base_model},
                       {"inference_mode", true},
                       {"init_lora_weights", true},
                       {"modules_to_save", nullptr},
                       {"layers_to_transform", c.layers.empty() ? nlohmann::json() : nlohmann::json(c.layers)},
                       {"use_dora", false}};
  write_file_atomic((std::filesystem::path(dir) / kConfigFile).string(), js.dump(2) + "\n");
}

}  // namespace lpo
