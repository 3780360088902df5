#include "tokenizer/bpe_model.hpp"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "util/error.hpp"

namespace lpo {

BpeModel::BpeModel(std::unordered_map<std::string, int32_t> vocab, const std::vector<Merge>& merges,
                   bool ignore_merges, const std::string& source)
    : vocab_(std::move(vocab)), ignore_merges_(ignore_merges) {
  for (int b = 0; b < 256; ++b) {
    auto it = vocab_.find(std::string(1, static_cast<char>(b)));
    check(it != vocab_.end(), source, ": byte 0x", std::hex, b,
          " has no token in model.vocab (a byte-level BPE vocabulary covers all 256 bytes)");
    byte_ids_[b] = it->second;
  }
  add_merges(merges, source);
}

BpeModel::BpeModel(std::unordered_map<std::string, int32_t> vocab, const std::vector<Merge>& merges,
                   bool ignore_merges, const CharLevel& char_level, const std::string& source)
    : vocab_(std::move(vocab)), ignore_merges_(ignore_merges), byte_level_(false), char_level_(char_level) {
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    auto it = vocab_.find(name);
    byte_ids_[b] = it == vocab_.end() ? -1 : it->second;
  }
  add_merges(merges, source);
}

void BpeModel::add_merges(const std::vector<Merge>& merges, const std::string& source) {
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& [left, right] = merges[rank];
    auto l = vocab_.find(left), r = vocab_.find(right), m = vocab_.find(left + right);
    check(l != vocab_.end() && r != vocab_.end() && m != vocab_.end(), source, ": model.merges[",
          rank, "] uses a token that is not in model.vocab");
    // The first (lowest-rank) rule for a pair wins, as in HF.
    merges_.emplace(pair_key(l->second, r->second), MergeResult{static_cast<int32_t>(rank), m->second});
  }
}

std::vector<int32_t> BpeModel::initial_symbols(std::string_view word) const {
  std::vector<int32_t> ids;
  ids.reserve(word.size());
  if (byte_level_) {
    for (unsigned char c : word) ids.push_back(byte_ids_[c]);
    return ids;
  }
  bool last_unk = false;
  for (size_t pos = 0; pos < word.size();) {
    size_t end = pos + 1;
    while (end < word.size() && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80) ++end;
    const std::string ch(word.substr(pos, end - pos));
    auto it = vocab_.find(ch);
    bool done = false;
    if (it != vocab_.end()) {
      ids.push_back(it->second);
      done = true;
    } else if (char_level_.byte_fallback &&
               std::all_of(ch.begin(), ch.end(), [&](char c) { return byte_ids_[static_cast<unsigned char>(c)] >= 0; })) {
      for (unsigned char c : ch) ids.push_back(byte_ids_[c]);
      done = true;
    }
    if (done) {
      last_unk = false;
    } else {
      check(char_level_.unk_id.has_value(), "tokenizer: the character \"", ch,
            "\" has no token, and the model has neither byte_fallback nor an unk_token");
      if (!(char_level_.fuse_unk && last_unk)) ids.push_back(*char_level_.unk_id);
      last_unk = true;
    }
    pos = end;
  }
  return ids;
}

const BpeModel::MergeResult* BpeModel::find_merge(int32_t left, int32_t right) const {
  auto it = merges_.find(pair_key(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

void BpeModel::encode_word(std::string_view word, std::vector<int32_t>& out) const {
  if (byte_level_ && word.size() == 1) {
    out.push_back(byte_ids_[static_cast<unsigned char>(word[0])]);
    return;
  }
  const bool cacheable = word.size() <= kMaxCachedBytes;
  std::string key;
  if (cacheable) {
    key.assign(word);
    std::shared_lock lock(cache_mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      out.insert(out.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int32_t> ids;
  merge_word(word, ids);
  out.insert(out.end(), ids.begin(), ids.end());
  if (cacheable) {
    std::unique_lock lock(cache_mutex_);
    if (cache_.size() >= kCacheCapacity) cache_.clear();
    cache_.emplace(std::move(key), std::move(ids));
  }
}

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& out) const {
  if (ignore_merges_) {
    auto it = vocab_.find(std::string(word));
    if (it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  // Symbols form a doubly linked list over the word's bytes; a merged-away symbol has id -1.
  struct Symbol {
    int32_t id, prev, next;
  };
  const std::vector<int32_t> initial = initial_symbols(word);
  const int32_t n = static_cast<int32_t>(initial.size());
  if (n == 0) return;
  std::vector<Symbol> symbols(n);
  for (int32_t i = 0; i < n; ++i) symbols[i] = {initial[i], i - 1, i + 1 < n ? i + 1 : -1};

  struct Candidate {
    int32_t rank, pos, left, right;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> queue;
  const auto push_pair = [&](int32_t pos) {
    if (pos < 0 || symbols[pos].next < 0) return;
    const int32_t left = symbols[pos].id, right = symbols[symbols[pos].next].id;
    if (const MergeResult* m = find_merge(left, right)) queue.push({m->rank, pos, left, right});
  };
  for (int32_t i = 0; i + 1 < n; ++i) push_pair(i);

  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& s = symbols[top.pos];
    // Stale candidate: this symbol or its right neighbour changed since it was queued.
    if (s.id != top.left || s.next < 0 || symbols[s.next].id != top.right) continue;
    Symbol& right = symbols[s.next];
    s.id = find_merge(top.left, top.right)->id;
    s.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = top.pos;
    right.id = -1;
    push_pair(s.prev);
    push_pair(top.pos);
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) out.push_back(symbols[i].id);
}

}  // namespace lpo
