#include "tokenizer/sentencepiece_tokenizer.hpp"

#include "tokenizer/fingerprint.hpp"
#include "tokenizer/spm_loader.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {

namespace {
// Frees shim buffers (ids, text) on scope exit.
struct ShimBuffer {
  const SpmApi& api;
  void* data = nullptr;
  ~ShimBuffer() { api.free_buffer(data); }
};
}  // namespace

SentencePieceTokenizer::SentencePieceTokenizer(const std::string& path, const TokenizerConfig& config)
    : path_(path), api_(nullptr), model_(nullptr, nullptr) {
  const std::string bytes = read_file(path);
  fingerprint_ = fnv1a64_hex(bytes);
  api_ = &spm_api();
  char* error = nullptr;
  model_ = {api_->load(bytes.data(), bytes.size(), &error), api_->free};
  if (!model_) fail(path, ": not a SentencePiece model (", take_error(error), ")");
  std::vector<AddedToken> controls;
  for (int id = 0; id < vocab_size(); ++id)
    if (api_->is_control(model_.get(), id)) controls.push_back({id, piece(id), true, false, false});
  controls_ = AddedTokenMatcher(std::move(controls));
  bos_id_ = resolve(config.bos_token, api_->bos_id(model_.get()), "bos_token");
  eos_id_ = resolve(config.eos_token, api_->eos_id(model_.get()), "eos_token");
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

std::string SentencePieceTokenizer::piece(int id) const {
  size_t size = 0;
  const char* text = api_->id_to_piece(model_.get(), id, &size);
  return std::string(text, size);
}

std::string SentencePieceTokenizer::take_error(char* error) const {
  ShimBuffer owned{*api_, error};
  return error ? std::string(error) : std::string("unknown error");
}

int32_t SentencePieceTokenizer::vocab_size() const { return api_->piece_size(model_.get()); }

std::optional<int32_t> SentencePieceTokenizer::token_to_id(const std::string& token) const {
  const int id = api_->piece_to_id(model_.get(), token.data(), token.size());
  // PieceToId answers unk_id for unknown pieces; only the unk piece itself maps to it.
  if (api_->is_unknown(model_.get(), id) && piece(id) != token) return std::nullopt;
  return id;
}

std::vector<int32_t> SentencePieceTokenizer::encode(const std::string& text, bool parse_special) const {
  std::vector<int32_t> ids;
  for (const TextSegment& segment : controls_.split(text, parse_special)) {
    if (segment.token_id >= 0) {
      ids.push_back(segment.token_id);
      continue;
    }
    int* piece_ids = nullptr;
    size_t count = 0;
    char* error = nullptr;
    const int rc = api_->encode(model_.get(), segment.text.data(), segment.text.size(), &piece_ids,
                                &count, &error);
    if (rc != 0) fail("SentencePiece encode failed (", take_error(error), ") with ", path_);
    ShimBuffer owned{*api_, piece_ids};
    ids.insert(ids.end(), piece_ids, piece_ids + count);
  }
  return ids;
}

std::string SentencePieceTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string out;
  std::vector<int> run;
  const auto flush = [&] {
    if (run.empty()) return;
    char* text = nullptr;
    size_t size = 0;
    char* error = nullptr;
    const int rc = api_->decode(model_.get(), run.data(), run.size(), &text, &size, &error);
    if (rc != 0) fail("SentencePiece decode failed (", take_error(error), ") with ", path_);
    ShimBuffer owned{*api_, text};
    out.append(text, size);
    run.clear();
  };
  for (size_t k = 0; k < ids.size(); ++k) {
    const int32_t id = ids[k];
    check(id >= 0 && id < vocab_size(), "decode: token id ", id, " at position ", k,
          " is outside the vocabulary [0, ", vocab_size(), ") of ", path_);
    if (!api_->is_control(model_.get(), id)) {
      run.push_back(id);
      continue;
    }
    flush();
    if (!skip_special) out += piece(id);
  }
  flush();
  return out;
}

}  // namespace lpo
