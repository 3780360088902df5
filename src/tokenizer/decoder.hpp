// The "decoder" of a SentencePiece-kind tokenizer.json: token strings -> text. Supported steps:
// Replace {pattern: String | Regex, content}, ByteFallback ("<0xNN>" runs -> their bytes, U+FFFD
// per byte when they are not valid UTF-8), Fuse, Strip {content, start, stop}, Metaspace
// {replacement, prepend_scheme / add_prefix_space}, and a Sequence of them; null concatenates.
// Byte-level tokenizers do not use this (their tokens map to raw bytes directly). Others
// (WordPiece, CTC, BPEDecoder) are refused by name.
// Source of behaviour: HF tokenizers `decoders/` (each step maps the list of token strings).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace lpo {

class RegexSplitter;

class Decoder {
 public:
  Decoder() = default;
  /// Throws lpo::Error naming `source` for an unsupported type or a malformed step.
  static Decoder from_json(const nlohmann::json& spec, const std::string& source);

  /// The text of `tokens` (vocabulary strings, in order).
  std::string decode(std::vector<std::string> tokens) const;

  struct Step {
    enum class Kind { replace, byte_fallback, fuse, strip, metaspace } kind = Kind::fuse;
    std::string pattern, content;  // replace: literal pattern; strip: content; metaspace: replacement
    std::shared_ptr<const RegexSplitter> regex;
    int start = 0, stop = 0;       // strip
    bool prepend = true;           // metaspace: the first token lost its prepended space
  };

 private:
  void add_step(const nlohmann::json& spec, const std::string& source);
  std::vector<Step> steps_;
};

}  // namespace lpo
