#include "tokenizer/byte_level_vocab.hpp"

#include <set>

#include "tokenizer/byte_level.hpp"

namespace lpo {

namespace {

// Adds merges that build `word` from its byte symbols left to right; new tokens get ids from
// `next_id`.
void add_word_merges(const std::string& word, nlohmann::json& vocab, nlohmann::json& merges,
                     std::set<std::string>& seen, int& next_id) {
  const std::string encoded = byte_level::encode(word);
  std::vector<std::string> symbols;
  for (size_t i = 0; i < encoded.size();) {
    size_t n = 1;
    const auto lead = static_cast<unsigned char>(encoded[i]);
    if (lead >= 0xF0) n = 4; else if (lead >= 0xE0) n = 3; else if (lead >= 0xC0) n = 2;
    symbols.push_back(encoded.substr(i, n));
    i += n;
  }
  std::string current = symbols.empty() ? "" : symbols[0];
  for (size_t k = 1; k < symbols.size(); ++k) {
    const std::string merge = current + " " + symbols[k];
    current += symbols[k];
    if (seen.insert(merge).second) merges.push_back(merge);
    if (!vocab.contains(current)) vocab[current] = next_id++;
  }
}

}  // namespace

nlohmann::json byte_level_tokenizer_json(const std::vector<std::string>& special_tokens,
                                         const std::vector<std::string>& words) {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_level::encode(std::string(1, static_cast<char>(b)))] = b;
  nlohmann::json added = nlohmann::json::array();
  int id = 256;
  for (const auto& token : special_tokens) {
    vocab[token] = id;
    added.push_back({{"id", id}, {"content", token}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", true}});
    ++id;
  }
  nlohmann::json merges = nlohmann::json::array();
  std::set<std::string> seen;
  for (const auto& word : words) add_word_merges(word, vocab, merges, seen, id);
  nlohmann::json byte_level = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true},
                               {"use_regex", true}};
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", added},
          {"normalizer", nullptr},
          {"pre_tokenizer", byte_level},
          {"post_processor", nullptr},
          {"decoder", byte_level},
          {"model",
           {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", nullptr},
            {"end_of_word_suffix", nullptr}, {"fuse_unk", false}, {"byte_fallback", false},
            {"vocab", vocab}, {"merges", merges}}}};
}

}  // namespace lpo
