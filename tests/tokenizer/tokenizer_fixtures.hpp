// Shared helpers for the tokenizer tests: the real HF tokenizers of ../shared, loaded once.
#pragma once
#include <map>
#include <memory>
#include <string>

#include "test_support.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo::test {

/// ../shared/tokenizers/<name>/tokenizer.json (name: gpt2, qwen3, llama3), loaded once per run
/// through load_tokenizer on the directory (so tokenizer_config.json is read too).
inline const Tokenizer& shared_tokenizer(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto& slot = cache[name];
  if (!slot) slot = load_tokenizer(shared_path("tokenizers/" + name));
  return *slot;
}

}  // namespace lpo::test
