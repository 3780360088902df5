#include "tokenizer/added_tokens.hpp"

namespace lpo {

namespace {
// Whitespace as lstrip/rstrip understand it (ASCII space, tab, newlines).
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
}  // namespace

AddedTokenMatcher::AddedTokenMatcher(std::vector<AddedToken> tokens) : tokens_(std::move(tokens)) {
  for (size_t t = 0; t < tokens_.size(); ++t) {
    int32_t node = 0;
    for (unsigned char c : tokens_[t].content) {
      auto it = trie_[node].next.find(c);
      if (it == trie_[node].next.end()) {
        trie_.push_back(Node{});
        it = trie_[node].next.emplace(c, static_cast<int32_t>(trie_.size() - 1)).first;
      }
      node = it->second;
    }
    if (!tokens_[t].content.empty()) trie_[node].token = static_cast<int32_t>(t);
  }
}

int32_t AddedTokenMatcher::longest_at(std::string_view text, size_t pos, bool parse_special,
                                      size_t& end) const {
  int32_t best = -1;
  int32_t node = 0;
  for (size_t i = pos; i < text.size(); ++i) {
    auto it = trie_[node].next.find(static_cast<unsigned char>(text[i]));
    if (it == trie_[node].next.end()) break;
    node = it->second;
    const int32_t t = trie_[node].token;
    if (t >= 0 && (parse_special || !tokens_[t].special)) {
      best = t;
      end = i + 1;
    }
  }
  return best;
}

std::vector<TextSegment> AddedTokenMatcher::split(std::string_view text, bool parse_special) const {
  std::vector<TextSegment> out;
  size_t plain_begin = 0;
  const auto flush_plain = [&](size_t until) {
    if (until > plain_begin) out.push_back({text.substr(plain_begin, until - plain_begin), -1});
  };
  for (size_t pos = 0; pos < text.size();) {
    size_t end = pos;
    const int32_t t = tokens_.empty() ? -1 : longest_at(text, pos, parse_special, end);
    if (t < 0) {
      ++pos;
      continue;
    }
    size_t begin = pos;
    if (tokens_[t].lstrip)
      while (begin > plain_begin && is_space(text[begin - 1])) --begin;
    if (tokens_[t].rstrip)
      while (end < text.size() && is_space(text[end])) ++end;
    flush_plain(begin);
    out.push_back({text.substr(begin, end - begin), tokens_[t].id});
    plain_begin = pos = end;
  }
  flush_plain(text.size());
  return out;
}

}  // namespace lpo
