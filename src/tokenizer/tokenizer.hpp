// Tokenizer interface shared by every layer above: text <-> token ids.
// Implementations: HF tokenizer.json byte-level BPE (bpe_tokenizer.hpp) and
// SentencePiece tokenizer.model (sentencepiece_tokenizer.hpp).
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lpo {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  /// Token ids of `text`. Added/special tokens written in the text (e.g. "<|im_end|>") are
  /// matched as single tokens when `parse_special` is true. Never adds BOS/EOS.
  virtual std::vector<int32_t> encode(const std::string& text, bool parse_special = true) const = 0;

  /// Text of `ids`; special tokens are dropped when `skip_special` is true.
  /// Throws lpo::Error for an id outside [0, vocab_size()).
  virtual std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const = 0;

  /// Number of ids (max id + 1, added tokens included).
  virtual int32_t vocab_size() const = 0;

  /// Id of a token given by its string form (e.g. "<|im_end|>"), if it exists.
  virtual std::optional<int32_t> token_to_id(const std::string& token) const = 0;

  virtual std::optional<int32_t> bos_id() const = 0;
  virtual std::optional<int32_t> eos_id() const = 0;

  /// Stable hex digest of the tokenizer's definition (file contents): data scored with one
  /// tokenizer is refused by training with another.
  virtual std::string fingerprint() const = 0;
};

/// Loads a tokenizer from a file (tokenizer.json or tokenizer.model) or a model directory
/// (prefers tokenizer.json, then tokenizer.model; reads tokenizer_config.json for bos/eos
/// when present). Throws lpo::Error naming the path when nothing loadable is there.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path);

}  // namespace lpo
