// Added tokens (tokenizer.json "added_tokens", SentencePiece control symbols): strings that are
// cut out of the text as single ids before any normalization or BPE. Matching is
// leftmost-longest, like Hugging Face tokenizers' AddedVocabulary.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace lpo {

struct AddedToken {
  int32_t id = 0;
  std::string content;
  bool special = false;  // dropped by decode(skip_special); not matched when parse_special is false
  bool lstrip = false;   // the match swallows whitespace on its left
  bool rstrip = false;   // the match swallows whitespace on its right
  bool normalized = false;  // matched in the normalized text (after the normalizer), not the raw one
};

/// One piece of text after added-token matching: either plain text or one added token.
struct TextSegment {
  std::string_view text;  // the plain text, or the matched span (whitespace included)
  int32_t token_id = -1;  // -1 for plain text
};

class AddedTokenMatcher {
 public:
  AddedTokenMatcher() = default;
  explicit AddedTokenMatcher(std::vector<AddedToken> tokens);

  /// Splits `text` into plain segments and added tokens, scanning left to right and taking the
  /// longest token at the first position where one starts. Special tokens are considered only
  /// when `parse_special` is true; non-special added tokens always are (as in HF, where
  /// `split_special_tokens` only affects special ones). Plain segments are never empty.
  std::vector<TextSegment> split(std::string_view text, bool parse_special) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Node {
    std::map<unsigned char, int32_t> next;  // byte -> child node index
    int32_t token = -1;                     // index into tokens_ when a token ends here
  };
  std::vector<AddedToken> tokens_;
  std::vector<Node> trie_{Node{}};

  // Index into tokens_ of the longest usable token starting at text[pos] and its end, or -1.
  int32_t longest_at(std::string_view text, size_t pos, bool parse_special, size_t& end) const;
};

}  // namespace lpo
