// Regex pre-tokenizer: cuts text into the pieces BPE sees, with PCRE2 in UTF + UCP mode
// (\p{L}, \p{N}, Unicode \s, lookahead). Behaviour of Hugging Face's Split pre-tokenizer with
// `behavior: "Isolated"`, `invert: false`: every match is a piece, and so is every gap
// between matches.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lpo {

/// GPT-2's split pattern, which HF's ByteLevel pre-tokenizer applies when `use_regex` is true.
/// Source: OpenAI gpt-2 encoder.py and HF tokenizers `pre_tokenizers/byte_level.rs`.
extern const char* const kGpt2SplitPattern;

class RegexSplitter {
 public:
  /// Compiles `pattern` (PCRE2 syntax, UTF + UCP, JIT when available).
  /// Throws lpo::Error naming `source` (e.g. the tokenizer file) and the offset of a bad pattern.
  RegexSplitter(const std::string& pattern, const std::string& source);
  ~RegexSplitter();
  RegexSplitter(const RegexSplitter&) = delete;
  RegexSplitter& operator=(const RegexSplitter&) = delete;

  /// Pieces of `text` in order; their concatenation is `text`. No piece is empty.
  /// Precondition: `text` is valid UTF-8 (not re-checked, for speed).
  /// Throws lpo::Error on a PCRE2 matching failure (e.g. JIT stack exhausted).
  std::vector<std::string_view> split(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The "pre_tokenizer" of a byte-level BPE tokenizer.json, as a chain of regex splits.
/// Supported: ByteLevel (use_regex true: GPT-2's pattern; false: no split), Split with a Regex
/// or String pattern and behavior "Isolated", and a Sequence of these (Qwen2/3, Llama-3:
/// Split + ByteLevel(use_regex=false)). The byte-level mapping itself is not a text step here:
/// the BPE model works on raw bytes.
class PreTokenizer {
 public:
  /// Throws lpo::Error naming `source` for an unsupported type or option.
  static PreTokenizer from_json(const nlohmann::json& spec, const std::string& source);

  /// Pieces of `text` after every split step (in order, concatenating to `text`).
  std::vector<std::string_view> split(std::string_view text) const;

  /// ByteLevel add_prefix_space: a space is put before a segment not starting with one.
  bool add_prefix_space() const { return add_prefix_space_; }
  /// True when the spec contains a ByteLevel step (the tokenizer is byte-level).
  bool byte_level() const { return byte_level_; }

 private:
  void add_step(const nlohmann::json& spec, const std::string& source);
  std::vector<std::shared_ptr<const RegexSplitter>> steps_;
  bool add_prefix_space_ = false;
  bool byte_level_ = false;
};

}  // namespace lpo
