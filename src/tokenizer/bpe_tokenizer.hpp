// Hugging Face tokenizer.json with a BPE model, of both kinds in use:
//  - byte-level (GPT-2, Qwen2/Qwen3, Llama-3): a ByteLevel pre-tokenizer; the vocabulary is in
//    GPT-2's byte alphabet; decoding concatenates the tokens' bytes (HF's ByteLevel decoder);
//  - SentencePiece kind (Llama 2, Mistral, Gemma): Prepend/Replace normalizers or a Metaspace
//    pre-tokenizer put U+2581 for spaces; the vocabulary is literal text; characters outside it
//    fall back to "<0xNN>" byte tokens (byte_fallback) or unk; decoding runs the file's decoder
//    (decoder.hpp).
// Encoding: added tokens that are not `normalized` are cut out of the raw text first
// (added_tokens.hpp); each remaining segment is normalized (normalizer.hpp), `normalized` added
// tokens are cut out of that, the rest is pre-tokenized (pretokenizer.hpp) and each piece merged
// by the BPE model (bpe_model.hpp). `clean_up_tokenization_spaces` is NOT applied, so for
// byte-level files decode(encode(x)) == x for any valid UTF-8 x that normalization leaves unchanged.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/added_tokens.hpp"
#include "tokenizer/bpe_model.hpp"
#include "tokenizer/decoder.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/tokenizer_config.hpp"

namespace lpo {

class BpeTokenizer : public Tokenizer {
 public:
  /// Reads `path` (a tokenizer.json). `config` names BOS/EOS tokens (from tokenizer_config.json).
  /// Throws lpo::Error naming `path` when the file is missing, not JSON, lacks model.vocab or
  /// model.merges, uses an unsupported normalizer / pre-tokenizer / decoder (named), or when a
  /// configured BOS/EOS token is not in the vocabulary.
  explicit BpeTokenizer(const std::string& path, const TokenizerConfig& config = {});

  /// Throws lpo::Error when `text` is not valid UTF-8 (naming the byte offset).
  std::vector<int32_t> encode(const std::string& text, bool parse_special = true) const override;
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const override;
  int32_t vocab_size() const override { return static_cast<int32_t>(id_to_bytes_.size()); }
  std::optional<int32_t> token_to_id(const std::string& token) const override;
  std::optional<int32_t> bos_id() const override { return bos_id_; }
  std::optional<int32_t> eos_id() const override { return eos_id_; }
  /// FNV-1a 64 of the tokenizer.json bytes (fingerprint.hpp).
  std::string fingerprint() const override { return fingerprint_; }

 private:
  void load_model(const nlohmann::json& root);
  void load_added_tokens(const nlohmann::json& root);
  void encode_plain(std::string_view segment, bool first, std::vector<int32_t>& out) const;
  void encode_normalized(const std::string& text, bool first, std::vector<int32_t>& out) const;
  std::optional<int32_t> resolve_config_token(const std::optional<std::string>& token,
                                              const char* field) const;

  std::string path_;
  std::string fingerprint_;
  Normalizer normalizer_;
  PreTokenizer pre_tokenizer_;
  Decoder decoder_;
  bool byte_level_ = true;
  std::unique_ptr<BpeModel> model_;
  AddedTokenMatcher added_;             // added tokens matched in the raw text
  AddedTokenMatcher added_normalized_;  // those matched in the normalized text
  std::vector<std::string> id_to_bytes_;  // byte-level: decoded bytes of each id; else the token text
  std::vector<bool> is_special_;          // special added tokens (skipped by skip_special)
  std::optional<int32_t> bos_id_, eos_id_;
};

}  // namespace lpo
