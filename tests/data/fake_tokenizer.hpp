// A tiny Tokenizer for the data tests: one id per byte (0-255), special tokens "<|im_end|>"
// (256) and "<eos>" (257, the EOS), and optionally one merge: " $" -> 258, so that encoding
// a prompt and a response jointly differs from encoding them separately.
#pragma once
#include <string>
#include <vector>

#include "tokenizer/tokenizer.hpp"
#include "util/error.hpp"

namespace lpo::test {

class FakeTokenizer : public Tokenizer {
 public:
  static constexpr int32_t kImEnd = 256, kEos = 257, kSpaceDollar = 258;
  explicit FakeTokenizer(bool merge_space_dollar = false) : merge_(merge_space_dollar) {}

  std::vector<int32_t> encode(const std::string& text, bool parse_special = true) const override {
    std::vector<int32_t> ids;
    for (size_t i = 0; i < text.size();) {
      if (parse_special && text.compare(i, 10, "<|im_end|>") == 0) {
        ids.push_back(kImEnd), i += 10;
      } else if (parse_special && text.compare(i, 5, "<eos>") == 0) {
        ids.push_back(kEos), i += 5;
      } else if (merge_ && text.compare(i, 2, " $") == 0) {
        ids.push_back(kSpaceDollar), i += 2;
      } else {
        ids.push_back(static_cast<unsigned char>(text[i])), i += 1;
      }
    }
    return ids;
  }
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const override {
    std::string out;
    for (int32_t id : ids) {
      check(id >= 0 && id < vocab_size(), "fake tokenizer: id out of range: ", id);
      if (id < 256) out += static_cast<char>(id);
      else if (id == kSpaceDollar) out += " $";
      else if (!skip_special) out += id == kImEnd ? "<|im_end|>" : "<eos>";
    }
    return out;
  }
  int32_t vocab_size() const override { return 259; }
  std::optional<int32_t> token_to_id(const std::string& token) const override {
    if (token == "<|im_end|>") return kImEnd;
    if (token == "<eos>") return kEos;
    return std::nullopt;
  }
  std::optional<int32_t> bos_id() const override { return std::nullopt; }
  std::optional<int32_t> eos_id() const override { return kEos; }
  std::string fingerprint() const override { return "fake"; }

 private:
  bool merge_;
};

/// Byte ids of `s` (what FakeTokenizer gives for text without specials or merges).
inline std::vector<int32_t> bytes(const std::string& s) { return std::vector<int32_t>(s.begin(), s.end()); }

}  // namespace lpo::test
