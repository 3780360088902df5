// Prompt/response examples for supervised fine-tuning, read from JSONL.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.hpp"

namespace lpo {

struct SftText {
  std::string prompt, response;
  std::string source;  // "file:line"
};

/// Reads one example per line: `prompt`/`response`, or `prompt`/`completion`, or GSM8K's
/// `question`/`answer`. Throws lpo::Error "file:line: ..." for a malformed line, a missing
/// field, or an empty response; with `skip_bad_lines`, such lines are skipped and counted in
/// `*skipped` instead.
/// Tokenized SFT example: the model learns `response` given `prompt`.
struct SftTokens {
  std::vector<int32_t> prompt, response;
};

std::vector<SftText> read_sft_examples(const std::string& path, bool skip_bad_lines = false,
                                       long* skipped = nullptr);

/// Tokenizes prompt and response separately (as pairs are), closes the response with EOS when
/// the tokenizer has one, and bounds prompt + response by `seq_length` tokens (the prompt is cut
/// from the left, keeping at least one token; then the response from the right). Examples
/// left with an empty response are dropped and counted in `*dropped`.
std::vector<SftTokens> encode_sft_examples(const std::vector<SftText>& examples, const Tokenizer& tokenizer,
                                           int seq_length, long* dropped = nullptr);

}  // namespace lpo
