// The records that carry one preference example through the pipeline (DESIGN.md).
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lpo {

/// One example as read, before tokenizing. Either text (prompt/chosen/rejected, the prompt
/// already chat-formatted) or pre-tokenized ids (then `pretokenized` is true and the *_ids
/// fields hold the tokens; used for audio-token TTS data without a text tokenizer).
struct PreferencePair {
  std::string prompt, chosen, rejected;
  bool pretokenized = false;
  std::vector<int32_t> prompt_ids, chosen_ids, rejected_ids;
  std::string source;  // "file:line", for error messages
  /// Both responses end with their chat template's end-of-turn text (e.g. "<|eot_id|>"), which
  /// already closes them: encoding adds no EOS after it.
  bool turn_closed = false;
};

/// Tokenized pair; the prompt ids are shared by both responses. Each response ends with EOS
/// when the tokenizer has one.
struct PairTokens {
  std::vector<int32_t> prompt, chosen, rejected;
};

/// The reference model's numbers for one pair (nats). sum = summed log-probs of the response
/// tokens, len = response token count, mean = sum / len.
struct ReferenceLogps {
  double chosen_sum = 0, rejected_sum = 0;
  int32_t chosen_len = 0, rejected_len = 0;
  double chosen_mean() const { return chosen_len ? chosen_sum / chosen_len : 0.0; }
  double rejected_mean() const { return rejected_len ? rejected_sum / rejected_len : 0.0; }
};

/// A tokenized pair with its reference log-probs (output of `lpo ref-logprobs`). For KTO data
/// (data/kto_examples.hpp) tokens.chosen is the example's completion, tokens.rejected its KL
/// completion, and `desirable` its label; for pairs `desirable` is unused.
struct ScoredPair {
  PairTokens tokens;
  ReferenceLogps reference;
  bool desirable = true;
};

}  // namespace lpo
