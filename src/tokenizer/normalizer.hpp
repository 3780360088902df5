// Text normalizers of tokenizer.json ("normalizer" field), applied to the text between added
// tokens before pre-tokenization. Supported: null (none), NFC, NFD, NFKC, NFKD (ICU), Lowercase,
// Strip {left, right}, Prepend {prepend}, Replace {pattern: String | Regex, content}, and a
// Sequence of them. Others (Precompiled, BertNormalizer, StripAccents, ...) are refused at
// load time by name, so an unsupported file never encodes silently wrong.
// Source of behaviour: HF tokenizers `normalizers/` (Prepend adds nothing to an empty text).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lpo {

class RegexSplitter;

class Normalizer {
 public:
  Normalizer() = default;
  /// Reads the "normalizer" JSON value. Throws lpo::Error naming `source` and the type for a
  /// type we do not implement, or a malformed step.
  static Normalizer from_json(const nlohmann::json& spec, const std::string& source);

  /// `text` (valid UTF-8) after every step in order.
  std::string apply(const std::string& text) const;
  bool empty() const { return steps_.empty(); }

  struct Step {
    enum class Kind { nfc, nfd, nfkc, nfkd, lowercase, strip, prepend, replace } kind = Kind::nfc;
    std::string text, content;                   // prepend: text; replace: literal pattern, content
    std::shared_ptr<const RegexSplitter> regex;  // replace with a Regex pattern
    bool left = false, right = false;            // strip
  };

 private:
  void add_step(const nlohmann::json& spec, const std::string& source);
  std::vector<Step> steps_;
};

/// Unicode Normalization Form C of valid UTF-8 `text` (UAX #15), through ICU's Normalizer2.
/// Text already in NFC (all ASCII, most real text) is returned unchanged after a quick check.
/// Throws lpo::Error when ICU fails.
std::string normalize_nfc(const std::string& text);

}  // namespace lpo
