// Hugging Face tokenizer.json with a byte-level BPE model (GPT-2, Qwen2/Qwen3, Llama-3).
// Encoding: added tokens are cut out first (added_tokens.hpp); each remaining segment is
// normalized (NFC when the file says so), pre-tokenized by regex (pretokenizer.hpp) and each
// piece merged by the BPE model (bpe_model.hpp). Decoding concatenates the tokens' bytes
// (HF's ByteLevel decoder); `clean_up_tokenization_spaces` is NOT applied, so
// decode(encode(x)) == x for any valid UTF-8 x that normalization leaves unchanged.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "tokenizer/added_tokens.hpp"
#include "tokenizer/bpe_model.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/tokenizer_config.hpp"

namespace lpo {

class BpeTokenizer : public Tokenizer {
 public:
  /// Reads `path` (a tokenizer.json). `config` names BOS/EOS tokens (from tokenizer_config.json).
  /// Throws lpo::Error naming `path` when the file is missing, not JSON, lacks model.vocab or
  /// model.merges, is not a byte-level BPE, uses an unsupported normalizer/pre-tokenizer, or
  /// when a configured BOS/EOS token is not in the vocabulary.
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
  void encode_plain(std::string_view segment, std::vector<int32_t>& out) const;
  std::optional<int32_t> resolve_config_token(const std::optional<std::string>& token,
                                              const char* field) const;

  std::string path_;
  std::string fingerprint_;
  Normalization normalization_ = Normalization::none;
  PreTokenizer pre_tokenizer_;
  std::unique_ptr<BpeModel> model_;
  AddedTokenMatcher added_;
  std::vector<std::string> id_to_bytes_;  // decoded bytes of each id ("" for unused ids)
  std::vector<bool> is_special_;          // special added tokens (skipped by skip_special)
  std::optional<int32_t> bos_id_, eos_id_;
};

}  // namespace lpo
