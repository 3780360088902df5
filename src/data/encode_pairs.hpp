// Text preference pairs -> token ids (PairTokens), with EOS and --seq-length truncation.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "data/preference_pair.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo {

struct EncodeOptions {
  /// Bound (tokens) on prompt + response, applied to chosen and to rejected separately.
  int seq_length = 1024;
  /// Close each response with EOS (skipped when the response already ends with EOS).
  bool add_eos = true;
  /// EOS id to use instead of the tokenizer's; needed for pre-tokenized data read without a
  /// text tokenizer. Unset and no tokenizer EOS: no EOS is added.
  std::optional<int32_t> eos_id;
  /// Left truncation never cuts the prompt below this many tokens (or its length when shorter);
  /// the responses are cut from the right instead. At least 1.
  int min_prompt_tokens = 1;
};

/// What encoding did: pairs seen, how many had their prompt / a response cut, how many were
/// dropped and why ("empty_prompt", "empty_response", "empty_response_after_truncation").
struct EncodeReport {
  long pairs = 0, truncated_prompt = 0, truncated_response = 0, dropped = 0;
  std::map<std::string, long> dropped_by_reason;
};

/// Encodes one pair. Rules:
///  - prompt, chosen and rejected are tokenized SEPARATELY (special tokens parsed, no BOS) and
///    concatenated, so chosen and rejected share identical prompt ids even where a response's
///    first characters would merge with the prompt's last token in a joint encoding;
///  - with add_eos, the EOS id closes each response unless its last id already is EOS or the
///    pair's responses end with their chat template's end-of-turn text (pair.turn_closed);
///  - length: if prompt + longer response > seq_length, the prompt is cut from the LEFT (oldest
///    tokens go first) down to seq_length - longer response, but not below min_prompt_tokens;
///    a response still too long is then cut from the RIGHT (losing its EOS). Truncation works
///    on ids, so a special token is never split.
/// Pre-tokenized pairs skip the tokenizer (ids must be >= 0 and < vocab_size when a tokenizer
/// is given). `tokenizer` may be null only for pre-tokenized pairs.
/// Returns std::nullopt (and counts the reason in `report`) for a pair with an empty prompt,
/// an empty response, or a response emptied by truncation.
/// Throws lpo::Error naming pair.source for a negative / out-of-vocabulary id, for a text pair
/// without a tokenizer, or for seq_length < 2 or min_prompt_tokens < 1.
std::optional<PairTokens> encode_pair(const PreferencePair& pair, const Tokenizer* tokenizer,
                                      const EncodeOptions& options, EncodeReport* report = nullptr);

/// Encodes every pair (see encode_pair); dropped pairs are left out and counted in `report`.
std::vector<PairTokens> encode_pairs(const std::vector<PreferencePair>& pairs, const Tokenizer* tokenizer,
                                     const EncodeOptions& options, EncodeReport* report = nullptr);
std::vector<PairTokens> encode_pairs(const std::vector<PreferencePair>& pairs, const Tokenizer& tokenizer,
                                     const EncodeOptions& options, EncodeReport* report = nullptr);

/// One line for logs: "encoded 10 pairs: 2 prompts truncated, 0 responses truncated, 1 dropped
/// (empty_response: 1)".
std::string describe(const EncodeReport& report);

}  // namespace lpo
