// tokenizer_config.json: the part of it the tokenizer needs (which tokens are BOS and EOS).
#pragma once
#include <optional>
#include <string>

namespace lpo {

struct TokenizerConfig {
  std::optional<std::string> bos_token;  // e.g. "<|begin_of_text|>"; nullopt when absent or null
  std::optional<std::string> eos_token;  // e.g. "<|im_end|>"
};

/// Reads `bos_token` / `eos_token` from a tokenizer_config.json; each may be a string, an
/// object {"content": ...} (AddedToken form) or null. Throws lpo::Error naming `path` when the
/// file is not valid JSON or a field has another type. The file must exist.
TokenizerConfig read_tokenizer_config(const std::string& path);

}  // namespace lpo
