// A Tokenizer whose every id is a two-letter ASCII word ("aa", "ba", ..., id i -> letters
// 'a' + i % 26 then 'a' + i / 26): decoded texts are plain ASCII and every token boundary sits
// at an even character offset, so a stop string at an odd offset spans two tokens.
#pragma once
#include <algorithm>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.hpp"
#include "util/error.hpp"

namespace lpo::test {

class WordTokenizer : public Tokenizer {
 public:
  explicit WordTokenizer(int32_t vocab = 64) : vocab_(vocab) {}
  static std::string word(int32_t id) {
    return {static_cast<char>('a' + id % 26), static_cast<char>('a' + id / 26)};
  }
  /// Pairs of letters back to ids; anything else (a space, an odd tail) is skipped.
  std::vector<int32_t> encode(const std::string& text, bool = true) const override {
    std::vector<int32_t> ids;
    for (size_t i = 0; i + 1 < text.size(); i += 2) {
      const int32_t id = (text[i] - 'a') + 26 * (text[i + 1] - 'a');
      if (text[i] >= 'a' && text[i] <= 'z' && id >= 0 && id < vocab_) ids.push_back(id);
    }
    return ids;
  }
  std::string decode(const std::vector<int32_t>& ids, bool = false) const override {
    std::string out;
    for (int32_t id : ids) {
      check(id >= 0 && id < vocab_, "word tokenizer: id out of range: ", id);
      out += word(id);
    }
    return out;
  }
  int32_t vocab_size() const override { return vocab_; }
  std::optional<int32_t> token_to_id(const std::string&) const override { return std::nullopt; }
  std::optional<int32_t> bos_id() const override { return std::nullopt; }
  std::optional<int32_t> eos_id() const override { return std::nullopt; }
  std::string fingerprint() const override { return "words"; }

 private:
  int32_t vocab_;
};

/// The first odd offset k at which the 2-character substring of `text` first occurs exactly at
/// k (a stop string spanning the boundary between two tokens), or npos.
inline size_t boundary_stop_offset(const std::string& text, size_t from = 1) {
  for (size_t k = from | 1; k + 2 <= text.size(); k += 2)
    if (text.find(text.substr(k, 2)) == k) return k;
  return std::string::npos;
}

/// `text` cut before the earliest occurrence of any of `stops` (the behaviour under test,
/// written independently of the code's loop).
inline std::string cut_before_first(const std::string& text, const std::vector<std::string>& stops) {
  size_t cut = text.size();
  for (const auto& s : stops) cut = std::min(cut, text.find(s));
  return text.substr(0, cut);
}

}  // namespace lpo::test
