#include "tokenizer/tokenizer_config.hpp"

#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {

namespace {
std::optional<std::string> token_field(const nlohmann::json& config, const char* key,
                                       const std::string& path) {
  if (!config.contains(key) || config[key].is_null()) return std::nullopt;
  const nlohmann::json& value = config[key];
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() && value.contains("content") && value["content"].is_string())
    return value["content"].get<std::string>();
  fail(path, ": field \"", key, "\" must be a string, {\"content\": string} or null; found ",
       value.dump());
}
}  // namespace

TokenizerConfig read_tokenizer_config(const std::string& path) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(read_file(path));
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": invalid JSON (", e.what(), ")");
  }
  check(config.is_object(), path, ": expected a JSON object");
  return {token_field(config, "bos_token", path), token_field(config, "eos_token", path)};
}

}  // namespace lpo
