// The BPE model proper: a vocabulary of byte strings, merge rules by rank, and the merge loop
// that turns one pre-tokenized word into ids. Works on raw bytes: the byte-level alphabet of
// tokenizer.json is undone when the file is read (byte_level.hpp), so the model never sees
// 'Ġ' and friends.
// Merge order: repeatedly merge the adjacent pair with the lowest rank, leftmost first
// (Sennrich et al. 2016, as implemented by HF tokenizers `models/bpe/word.rs`).
#pragma once
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lpo {

class BpeModel {
 public:
  using Merge = std::pair<std::string, std::string>;  // (left, right) as raw bytes

  /// `vocab`: raw-byte token -> id. `merges`: in rank order (rank 0 merges first).
  /// `ignore_merges`: a word that is itself in the vocabulary becomes that id without merging
  /// (Llama-3). Throws lpo::Error naming `source` when one of the 256 single bytes is missing
  /// from the vocabulary, or a merge names a token (or result) that is not in it.
  BpeModel(std::unordered_map<std::string, int32_t> vocab, const std::vector<Merge>& merges,
           bool ignore_merges, const std::string& source);

  /// A character-level BPE (SentencePiece-kind tokenizer.json: Llama 2, Mistral, Gemma): a
  /// word starts as its code points; one that is not in the vocabulary becomes its UTF-8 bytes
  /// as "<0xNN>" tokens when `byte_fallback` (and all of them exist), else `unk_id` (consecutive
  /// ones fused into one when `fuse_unk`). Throws lpo::Error naming `source` when a merge names a
  /// token that is not in the vocabulary. Source: HF tokenizers `models/bpe/model.rs`.
  struct CharLevel {
    bool byte_fallback = false;
    std::optional<int32_t> unk_id;
    bool fuse_unk = false;
  };
  BpeModel(std::unordered_map<std::string, int32_t> vocab, const std::vector<Merge>& merges,
           bool ignore_merges, const CharLevel& char_level, const std::string& source);

  /// Appends the ids of `word` (raw bytes, non-empty) to `out`. Character-level: throws
  /// lpo::Error for a character with no token, no byte fallback and no unk token. Thread-safe; results for
  /// words up to kMaxCachedBytes long are cached (up to kCacheCapacity words).
  void encode_word(std::string_view word, std::vector<int32_t>& out) const;

  const std::unordered_map<std::string, int32_t>& vocab() const { return vocab_; }

  static constexpr size_t kMaxCachedBytes = 256;
  static constexpr size_t kCacheCapacity = 1 << 16;

 private:
  struct MergeResult {
    int32_t rank;
    int32_t id;
  };
  static uint64_t pair_key(int32_t left, int32_t right) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
  }
  const MergeResult* find_merge(int32_t left, int32_t right) const;
  void merge_word(std::string_view word, std::vector<int32_t>& out) const;
  void add_merges(const std::vector<Merge>& merges, const std::string& source);
  std::vector<int32_t> initial_symbols(std::string_view word) const;

  std::unordered_map<std::string, int32_t> vocab_;
  std::unordered_map<uint64_t, MergeResult> merges_;
  int32_t byte_ids_[256];  // byte-level: every byte's id; character-level: "<0xNN>" ids or -1
  bool ignore_merges_;
  bool byte_level_ = true;
  CharLevel char_level_;

  mutable std::shared_mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace lpo
