// Pre-tokenizers of tokenizer.json: cut text into the pieces (words) BPE sees. Regex steps use
// PCRE2 in UTF + UCP mode (\p{L}, \p{N}, Unicode \s, lookahead); RegexSplitter::split is HF's
// Split with `behavior: "Isolated"`, `invert: false` (every match is a piece, and so is every
// gap between matches); other behaviors go through split_by_matches.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <utility>
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

  /// The non-empty matches of the pattern in `text`, as [begin, end) byte spans, left to right.
  std::vector<std::pair<size_t, size_t>> matches(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// How a Split step treats the pieces its pattern matches (HF SplitDelimiterBehavior).
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

/// The "pre_tokenizer" of a tokenizer.json, as a chain of steps over pieces of text.
/// Supported: ByteLevel (use_regex true: GPT-2's pattern; false: no split; the byte-level
/// mapping itself is not a text step: the BPE model works on raw bytes), Split (Regex or String
/// pattern, every behavior, invert), Metaspace (replacement, prepend_scheme always / first /
/// never or the older add_prefix_space, split), Digits (individual_digits), WhitespaceSplit,
/// and a Sequence of these. Others (BertPreTokenizer, Whitespace, Punctuation, UnicodeScripts,
/// CharDelimiterSplit) are refused by name.
/// Source of behaviour: HF tokenizers `pre_tokenizers/` and `normalizer.rs` split().
class PreTokenizer {
 public:
  /// Throws lpo::Error naming `source` for an unsupported type or option.
  static PreTokenizer from_json(const nlohmann::json& spec, const std::string& source);

  /// Pieces of `text` after every step, in order. `first_segment`: the text starts the input
  /// (Metaspace prepend_scheme "first" prepends only there). Empty pieces are dropped.
  std::vector<std::string> pre_tokenize(const std::string& text, bool first_segment = true) const;

  /// ByteLevel add_prefix_space: a space is put before a segment not starting with one.
  bool add_prefix_space() const { return add_prefix_space_; }
  /// True when the spec contains a ByteLevel step (the tokenizer is byte-level).
  bool byte_level() const { return byte_level_; }

  struct Step {
    enum class Kind { regex, metaspace, digits, whitespace_split } kind = Kind::regex;
    std::shared_ptr<const RegexSplitter> regex;
    SplitBehavior behavior = SplitBehavior::isolated;
    bool invert = false;
    std::string replacement;            // metaspace
    enum class Prepend { always, first, never } prepend = Prepend::always;
    bool split = true;                  // metaspace: split before each replacement
  };

 private:
  void add_step(const nlohmann::json& spec, const std::string& source);
  std::vector<Step> steps_;
  bool add_prefix_space_ = false;
  bool byte_level_ = false;
};

/// The pieces of `text` when the spans `matches` (sorted, disjoint, non-empty) are delimiters
/// treated by `behavior` (after `invert` swaps delimiters and the rest). Empty pieces dropped.
std::vector<std::string> split_by_matches(const std::string& text, const std::vector<std::pair<size_t, size_t>>& matches,
                                          SplitBehavior behavior, bool invert);

}  // namespace lpo
