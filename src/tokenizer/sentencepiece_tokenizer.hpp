// SentencePiece tokenizer.model (Llama-2, TinyLlama, stories260K...) through libsentencepiece,
// reached only through the dlopen()ed shim liblpo_spm.so (spm_loader.hpp says why).
// Control symbols (<s>, </s>, ...) written in the text are cut out first as single ids when
// parse_special is true (SentencePiece itself never produces them from text); each remaining
// segment goes to SentencePiece's own Encode (its normalizer, dummy "▁" prefix, byte fallback).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/added_tokens.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/tokenizer_config.hpp"

struct lpo_spm;  // shim/spm_shim_api.h

namespace lpo {

struct SpmApi;

class SentencePieceTokenizer : public Tokenizer {
 public:
  /// Loads `path` (a tokenizer.model). BOS/EOS come from `config` when it names them, else from
  /// the model (its bos_id/eos_id, when >= 0). Throws lpo::Error naming `path` when the file is
  /// missing or not a SentencePiece model, or a configured BOS/EOS is not a piece, and (from
  /// spm_api()) when the shim liblpo_spm.so cannot be loaded.
  explicit SentencePieceTokenizer(const std::string& path, const TokenizerConfig& config = {});
  ~SentencePieceTokenizer() override;

  std::vector<int32_t> encode(const std::string& text, bool parse_special = true) const override;
  /// Runs of ordinary ids are decoded by SentencePiece; a control id becomes its piece text
  /// ("<s>"), or nothing when `skip_special`. Throws lpo::Error for an id out of range.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const override;
  int32_t vocab_size() const override;
  std::optional<int32_t> token_to_id(const std::string& token) const override;
  std::optional<int32_t> bos_id() const override { return bos_id_; }
  std::optional<int32_t> eos_id() const override { return eos_id_; }
  /// FNV-1a 64 of the tokenizer.model bytes.
  std::string fingerprint() const override { return fingerprint_; }

 private:
  std::optional<int32_t> resolve(const std::optional<std::string>& configured, int model_id,
                                 const char* field) const;
  std::string piece(int id) const;
  // The shim's malloc()ed message, freed; "unknown error" for NULL.
  std::string take_error(char* error) const;

  std::string path_;
  std::string fingerprint_;
  const SpmApi* api_;
  std::unique_ptr<lpo_spm, void (*)(lpo_spm*)> model_;
  AddedTokenMatcher controls_;
  std::optional<int32_t> bos_id_, eos_id_;
};

}  // namespace lpo
