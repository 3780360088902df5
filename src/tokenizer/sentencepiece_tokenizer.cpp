#include "tokenizer/sentencepiece_tokenizer.hpp"

#include <sentencepiece_processor.h>

#include "tokenizer/fingerprint.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& path, const TokenizerConfig& config)
    : path_(path), processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()) {
  const std::string bytes = read_file(path);
  fingerprint_ = fnv1a64_hex(bytes);
  const auto status = processor_->LoadFromSerializedProto(bytes);
  check(status.ok(), path, ": not a SentencePiece model (", status.ToString(), ")");
  std::vector<AddedToken> controls;
  for (int id = 0; id < processor_->GetPieceSize(); ++id)
    if (processor_->IsControl(id)) controls.push_back({id, processor_->IdToPiece(id), true, false, false});
  controls_ = AddedTokenMatcher(std::move(controls));
  bos_id_ = resolve(config.bos_token, processor_->bos_id(), "bos_token");
  eos_id_ = resolve(config.eos_token, processor_->eos_id(), "eos_token");
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::optional<int32_t> SentencePieceTokenizer::resolve(const std::optional<std::string>& configured,
                                                       int model_id, const char* field) const {
  if (configured) {
    auto id = token_to_id(*configured);
    check(id.has_value(), "tokenizer_config.json: ", field, " \"", *configured, "\" is not a piece of ",
          path_);
    return id;
  }
  if (model_id >= 0) return model_id;
  return std::nullopt;
}

int32_t SentencePieceTokenizer::vocab_size() const { return processor_->GetPieceSize(); }

std::optional<int32_t> SentencePieceTokenizer::token_to_id(const std::string& token) const {
  const int id = processor_->PieceToId(token);
  // PieceToId answers unk_id for unknown pieces; only the unk piece itself maps to it.
  if (processor_->IsUnknown(id) && processor_->IdToPiece(id) != token) return std::nullopt;
  return id;
}

std::vector<int32_t> SentencePieceTokenizer::encode(const std::string& text, bool parse_special) const {
  std::vector<int32_t> ids;
  for (const TextSegment& segment : controls_.split(text, parse_special)) {
    if (segment.token_id >= 0) {
      ids.push_back(segment.token_id);
      continue;
    }
    std::vector<int> piece_ids;
    const auto status = processor_->Encode(segment.text, &piece_ids);
    check(status.ok(), "SentencePiece encode failed (", status.ToString(), ") with ", path_);
    ids.insert(ids.end(), piece_ids.begin(), piece_ids.end());
  }
  return ids;
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string out;
  std::vector<int> run;
  const auto flush = [&] {
    if (run.empty()) return;
    std::string text;
    const auto status = processor_->Decode(run, &text);
    check(status.ok(), "SentencePiece decode failed (", status.ToString(), ") with ", path_);
    out += text;
    run.clear();
  };
  for (size_t k = 0; k < ids.size(); ++k) {
    const int32_t id = ids[k];
    check(id >= 0 && id < vocab_size(), "decode: token id ", id, " at position ", k,
          " is outside the vocabulary [0, ", vocab_size(), ") of ", path_);
    if (!processor_->IsControl(id)) {
      run.push_back(id);
      continue;
    }
    flush();
    if (!skip_special) out += processor_->IdToPiece(id);
  }
  flush();
  return out;
}

}  // namespace lpo
