// Helpers shared by the commands that take text for a model directory (score, generate).
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "model/model_config.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo::cli {

/// The tokenizer stored in a model directory, or null when it has none.
inline std::unique_ptr<Tokenizer> model_tokenizer(const std::string& dir) {
  namespace fs = std::filesystem;
  if (!fs::exists(fs::path(dir) / "tokenizer.json") && !fs::exists(fs::path(dir) / "tokenizer.model")) return nullptr;
  return load_tokenizer(dir);
}

/// Token ids of `text`, with the config's BOS first when it has one and `add_bos` is set
/// (as Llama tokenizers do; Qwen2 configs have no BOS).
inline std::vector<int32_t> encode_for_model(const Tokenizer& tokenizer, const ModelConfig& config,
                                             const std::string& text, bool add_bos) {
  std::vector<int32_t> ids;
  if (add_bos && config.bos_token_id) ids.push_back(*config.bos_token_id);
  auto body = tokenizer.encode(text);
  ids.insert(ids.end(), body.begin(), body.end());
  return ids;
}

}  // namespace lpo::cli
