#include "tokenizer/bpe_tokenizer.hpp"

#include <nlohmann/json.hpp>

#include "tokenizer/byte_level.hpp"
#include "tokenizer/fingerprint.hpp"
#include "tokenizer/json_field.hpp"
#include "tokenizer/utf8.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {

namespace {
nlohmann::json parse_tokenizer_json(const std::string& bytes, const std::string& path) {
  try {
    return nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception& e) {
    fail(path, ": invalid JSON (", e.what(), ")");
  }
}

// A merge rule: "left right" (older files) or ["left", "right"] (newer files), in byte-level
// form; returned as raw bytes.
BpeModel::Merge parse_merge(const nlohmann::json& item, size_t index, bool byte_level, const std::string& path) {
  std::string left, right;
  if (item.is_string()) {
    const std::string& s = item.get_ref<const std::string&>();
    const size_t space = s.find(' ');
    check(space != std::string::npos && s.find(' ', space + 1) == std::string::npos, path,
          ": model.merges[", index, "] must be \"left right\"; found \"", s, "\"");
    left = s.substr(0, space);
    right = s.substr(space + 1);
  } else {
    check(item.is_array() && item.size() == 2 && item[0].is_string() && item[1].is_string(), path,
          ": model.merges[", index, "] must be a string or a pair of strings");
    left = item[0];
    right = item[1];
  }
  if (!byte_level) return {left, right};
  auto l = byte_level::decode(left), r = byte_level::decode(right);
  check(l && r, path, ": model.merges[", index, "] is not in the byte-level alphabet");
  return {*l, *r};
}

// Raw bytes of a byte-level vocabulary entry (entries outside the alphabet keep their text).
std::string token_bytes(const std::string& token) {
  auto raw = byte_level::decode(token);
  return raw ? *raw : token;
}
}  // namespace

BpeTokenizer::BpeTokenizer(const std::string& path, const TokenizerConfig& config) : path_(path) {
  const std::string bytes = read_file(path);
  fingerprint_ = fnv1a64_hex(bytes);
  const nlohmann::json root = parse_tokenizer_json(bytes, path);
  check(root.is_object(), path, ": expected a JSON object");
  normalizer_ = Normalizer::from_json(root.value("normalizer", nlohmann::json()), path);
  pre_tokenizer_ = PreTokenizer::from_json(root.value("pre_tokenizer", nlohmann::json()), path);
  byte_level_ = pre_tokenizer_.byte_level();
  if (!byte_level_) decoder_ = Decoder::from_json(root.value("decoder", nlohmann::json()), path);
  load_model(root);
  load_added_tokens(root);
  bos_id_ = resolve_config_token(config.bos_token, "bos_token");
  eos_id_ = resolve_config_token(config.eos_token, "eos_token");
}

void BpeTokenizer::load_model(const nlohmann::json& root) {
  check(root.contains("model") && root["model"].is_object(), path_, ": field \"model\" missing");
  const nlohmann::json& model = root["model"];
  const std::string model_type = json_field_or(model, "type", std::string("BPE"), path_, "model");
  check(model_type == "BPE", path_, ": model.type is \"", model_type, "\"; only BPE is supported");
  check(model.contains("vocab") && model["vocab"].is_object(), path_,
        ": field \"model.vocab\" missing (expected an object token -> id)");
  check(model.contains("merges") && model["merges"].is_array(), path_,
        ": field \"model.merges\" missing (expected an array)");
  for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
    check(!model.contains(key) || model[key].is_null() || model[key] == "", path_, ": model.", key,
          " is not supported");

  std::unordered_map<std::string, int32_t> vocab;
  vocab.reserve(model["vocab"].size());
  for (const auto& [token, id] : model["vocab"].items()) {
    check(id.is_number_integer() && id.get<int64_t>() >= 0 && id.get<int64_t>() < INT32_MAX, path_,
          ": model.vocab[\"", token, "\"] must be a non-negative integer id");
    const int32_t i = id.get<int32_t>();
    if (static_cast<size_t>(i) >= id_to_bytes_.size()) id_to_bytes_.resize(i + 1);
    id_to_bytes_[i] = byte_level_ ? token_bytes(token) : token;
    vocab.emplace(id_to_bytes_[i], i);
  }
  std::vector<BpeModel::Merge> merges;
  merges.reserve(model["merges"].size());
  for (size_t k = 0; k < model["merges"].size(); ++k)
    merges.push_back(parse_merge(model["merges"][k], k, byte_level_, path_));
  const bool ignore_merges = json_field_or(model, "ignore_merges", false, path_, "model");
  if (byte_level_) {
    model_ = std::make_unique<BpeModel>(std::move(vocab), merges, ignore_merges, path_);
    return;
  }
  BpeModel::CharLevel char_level;
  char_level.byte_fallback = json_field_or(model, "byte_fallback", false, path_, "model");
  char_level.fuse_unk = json_field_or(model, "fuse_unk", false, path_, "model");
  if (model.contains("unk_token") && model["unk_token"].is_string()) {
    auto it = vocab.find(model["unk_token"].get<std::string>());
    check(it != vocab.end(), path_, ": model.unk_token \"", model["unk_token"].get<std::string>(), "\" is not in model.vocab");
    char_level.unk_id = it->second;
  }
  model_ = std::make_unique<BpeModel>(std::move(vocab), merges, ignore_merges, char_level, path_);
}

void BpeTokenizer::load_added_tokens(const nlohmann::json& root) {
  std::vector<AddedToken> tokens;
  if (root.contains("added_tokens") && !root["added_tokens"].is_null()) {
    check(root["added_tokens"].is_array(), path_, ": field \"added_tokens\" must be an array");
    for (const auto& t : root["added_tokens"]) {
      check(t.is_object() && t.contains("id") && t["id"].is_number_integer() && t["id"] >= 0 &&
                t.contains("content") && t["content"].is_string(),
            path_, ": each added_tokens entry needs an integer \"id\" and a string \"content\"");
      const bool special = json_field_or(t, "special", false, path_, "added token");
      tokens.push_back({t["id"].get<int32_t>(), t["content"].get<std::string>(), special,
                        json_field_or(t, "lstrip", false, path_, "added token"),
                        json_field_or(t, "rstrip", false, path_, "added token"),
                        json_field_or(t, "normalized", !special, path_, "added token")});
    }
  }
  for (const AddedToken& t : tokens)
    if (static_cast<size_t>(t.id) >= id_to_bytes_.size()) id_to_bytes_.resize(t.id + 1);
  is_special_.assign(id_to_bytes_.size(), false);
  for (const AddedToken& t : tokens) {
    id_to_bytes_[t.id] = t.content;
    is_special_[t.id] = t.special;
  }
  std::vector<AddedToken> raw, normalized;
  for (const AddedToken& t : tokens) (t.normalized && !normalizer_.empty() ? normalized : raw).push_back(t);
  added_ = AddedTokenMatcher(std::move(raw));
  added_normalized_ = AddedTokenMatcher(std::move(normalized));
}

std::optional<int32_t> BpeTokenizer::resolve_config_token(const std::optional<std::string>& token,
                                                          const char* field) const {
  if (!token) return std::nullopt;
  auto id = token_to_id(*token);
  check(id.has_value(), "tokenizer_config.json: ", field, " \"", *token, "\" is not a token of ", path_);
  return id;
}

std::optional<int32_t> BpeTokenizer::token_to_id(const std::string& token) const {
  for (const AddedTokenMatcher* m : {&added_, &added_normalized_})
    for (const AddedToken& t : m->tokens())
      if (t.content == token) return t.id;
  auto raw = byte_level_ ? byte_level::decode(token) : std::optional<std::string>();  // byte-level form
  const auto& vocab = model_->vocab();
  auto it = vocab.find(raw ? *raw : token);
  if (it == vocab.end()) return std::nullopt;
  return it->second;
}

void BpeTokenizer::encode_normalized(const std::string& text, bool first, std::vector<int32_t>& out) const {
  std::string piece_text = text;
  if (byte_level_ && pre_tokenizer_.add_prefix_space() && !piece_text.empty() && piece_text[0] != ' ')
    piece_text.insert(0, 1, ' ');
  for (const std::string& piece : pre_tokenizer_.pre_tokenize(piece_text, first)) model_->encode_word(piece, out);
}

void BpeTokenizer::encode_plain(std::string_view segment, bool first, std::vector<int32_t>& out) const {
  const std::string text = normalizer_.empty() ? std::string(segment) : normalizer_.apply(std::string(segment));
  if (added_normalized_.tokens().empty()) {
    encode_normalized(text, first, out);
    return;
  }
  for (const TextSegment& s : added_normalized_.split(text, true)) {
    if (s.token_id >= 0)
      out.push_back(s.token_id);
    else
      encode_normalized(std::string(s.text), first && s.text.data() == text.data(), out);
  }
}

std::vector<int32_t> BpeTokenizer::encode(const std::string& text, bool parse_special) const {
  utf8::check_valid(text, "text to encode");
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 1);
  for (const TextSegment& segment : added_.split(text, parse_special)) {
    if (segment.token_id >= 0)
      ids.push_back(segment.token_id);
    else
      encode_plain(segment.text, segment.text.data() == text.data(), ids);
  }
  return ids;
}

std::string BpeTokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  std::string out;
  std::vector<std::string> tokens;
  for (size_t k = 0; k < ids.size(); ++k) {
    const int32_t id = ids[k];
    check(id >= 0 && id < vocab_size(), "decode: token id ", id, " at position ", k,
          " is outside the vocabulary [0, ", vocab_size(), ") of ", path_);
    if (skip_special && is_special_[id]) continue;
    if (byte_level_) out += id_to_bytes_[id];
    else tokens.push_back(id_to_bytes_[id]);
  }
  return byte_level_ ? out : decoder_.decode(std::move(tokens));
}

}  // namespace lpo
