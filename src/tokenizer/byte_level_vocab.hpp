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
///
/// `words` (optional) become single tokens: for each, merges join its bytes left to right
/// (" apples": " a", " ap", ..., " apples"), with ids after the special tokens. This makes a
/// small closed-vocabulary (word-level) tokenizer for generated text; any other text still
/// encodes, byte by byte. Pass " word" for a word after a space (the usual case with the
/// GPT-2 pre-tokenizer) and "word" for one at the start of a line.
nlohmann::json byte_level_tokenizer_json(const std::vector<std::string>& special_tokens,
                                         const std::vector<std::string>& words = {});

}  // namespace lpo
