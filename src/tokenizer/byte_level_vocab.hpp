// A minimal byte-level BPE tokenizer definition (256 byte tokens, no merges, plus special
// tokens) in Hugging Face tokenizer.json form. Used where no tokenizer file exists: the
// embedded demo and tests. Loads in lpo and in HF `tokenizers` alike.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpo {

/// tokenizer.json content: ids 0..255 are the bytes (GPT-2 byte-to-unicode alphabet), then
/// `special_tokens` in order from id 256. ByteLevel pre-tokenizer and decoder.
nlohmann::json byte_level_tokenizer_json(const std::vector<std::string>& special_tokens);

}  // namespace lpo
