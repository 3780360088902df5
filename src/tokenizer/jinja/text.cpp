#include "tokenizer/jinja/text.hpp"

#include <unicode/uchar.h>

#include <algorithm>

#include "tokenizer/jinja/value.hpp"
#include "tokenizer/utf8.hpp"

namespace lpo::jinja::text {

std::u32string decode(const std::string& s) {
  std::u32string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) out.push_back(utf8::next(s, pos));
  return out;
}

std::string encode(const std::u32string& s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) utf8::append(out, c);
  return out;
}

int64_t length(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

std::string strip(const std::string& s, const std::optional<std::string>& chars, bool left, bool right) {
  const std::u32string u = decode(s);
  const std::u32string set = chars ? decode(*chars) : std::u32string();
  const auto strippable = [&](char32_t c) { return chars ? set.find(c) != std::u32string::npos : is_space(c); };
  size_t b = 0, e = u.size();
  if (left)
    while (b < e && strippable(u[b])) ++b;
  if (right)
    while (e > b && strippable(u[e - 1])) --e;
  return encode(u.substr(b, e - b));
}

namespace {
std::vector<std::string> split_space(const std::string& s, int64_t maxsplit, bool from_right) {
  std::u32string u = decode(s);
  std::vector<std::u32string> parts;
  if (from_right) {
    size_t e = u.size();
    while (true) {
      while (e > 0 && is_space(u[e - 1])) --e;
      if (e == 0) break;
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
        parts.push_back(u.substr(0, e));
        break;
      }
      size_t b = e;
      while (b > 0 && !is_space(u[b - 1])) --b;
      parts.push_back(u.substr(b, e - b));
      e = b;
    }
    std::reverse(parts.begin(), parts.end());
  } else {
    size_t b = 0;
    while (true) {
      while (b < u.size() && is_space(u[b])) ++b;
      if (b == u.size()) break;
      if (maxsplit >= 0 && static_cast<int64_t>(parts.size()) == maxsplit) {
        size_t e = u.size();
        while (e > b && is_space(u[e - 1])) --e;
        parts.push_back(u.substr(b, e - b));
        break;
      }
      size_t e = b;
      while (e < u.size() && !is_space(u[e])) ++e;
      parts.push_back(u.substr(b, e - b));
      b = e;
    }
  }
  std::vector<std::string> out;
  for (const auto& p : parts) out.push_back(encode(p));
  return out;
}
}  // namespace

std::vector<std::string> split(const std::string& s, const std::optional<std::string>& sep, int64_t maxsplit,
                               bool from_right) {
  if (!sep) return split_space(s, maxsplit, from_right);
  if (sep->empty()) value_fail("split: empty separator");
  std::vector<std::string> out;
  if (!from_right) {
    size_t b = 0;
    for (size_t at = s.find(*sep); at != std::string::npos && (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit);
         at = s.find(*sep, b)) {
      out.push_back(s.substr(b, at - b));
      b = at + sep->size();
    }
    out.push_back(s.substr(b));
    return out;
  }
  size_t e = s.size();
  while (maxsplit < 0 || static_cast<int64_t>(out.size()) < maxsplit) {
    if (e < sep->size()) break;
    const size_t at = s.rfind(*sep, e - sep->size());
    if (at == std::string::npos) break;
    out.push_back(s.substr(at + sep->size(), e - at - sep->size()));
    e = at;
  }
  out.push_back(s.substr(0, e));
  std::reverse(out.begin(), out.end());
  return out;
}

std::string replace(const std::string& s, const std::string& from, const std::string& to, int64_t count) {
  std::string out;
  if (from.empty()) {  // Python inserts `to` around every code point
    const std::u32string u = decode(s);
    int64_t n = 0;
    for (size_t i = 0; i <= u.size(); ++i) {
      if (count < 0 || n < count) out += to, ++n;
      if (i < u.size()) utf8::append(out, u[i]);
    }
    return out;
  }
  size_t b = 0;
  int64_t n = 0;
  for (size_t at = s.find(from); at != std::string::npos && (count < 0 || n < count); at = s.find(from, b), ++n) {
    out.append(s, b, at - b);
    out += to;
    b = at + from.size();
  }
  out.append(s, b, std::string::npos);
  return out;
}

namespace {
template <typename F>
std::string map_code_points(const std::string& s, F f) {
  std::string out;
  out.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) utf8::append(out, f(utf8::next(s, pos)));
  return out;
}
char32_t to_upper(char32_t c) { return c < 0x80 ? (c >= 'a' && c <= 'z' ? c - 32 : c) : static_cast<char32_t>(u_toupper(static_cast<UChar32>(c))); }
char32_t to_lower(char32_t c) { return c < 0x80 ? (c >= 'A' && c <= 'Z' ? c + 32 : c) : static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))); }
bool is_cased(char32_t c) { return c < 0x80 ? ((c | 32) >= 'a' && (c | 32) <= 'z') : u_isalpha(static_cast<UChar32>(c)); }
}  // namespace

std::string upper(const std::string& s) { return map_code_points(s, to_upper); }
std::string lower(const std::string& s) { return map_code_points(s, to_lower); }

std::string title(const std::string& s) {
  bool previous_cased = false;
  return map_code_points(s, [&](char32_t c) {
    const char32_t out = previous_cased ? to_lower(c) : to_upper(c);
    previous_cased = is_cased(c);
    return out;
  });
}

std::string capitalize(const std::string& s) {
  bool first = true;
  return map_code_points(s, [&](char32_t c) {
    const char32_t out = first ? to_upper(c) : to_lower(c);
    first = false;
    return out;
  });
}

int64_t count(const std::string& s, const std::string& needle) {
  if (needle.empty()) return length(s) + 1;
  int64_t n = 0;
  for (size_t at = s.find(needle); at != std::string::npos; at = s.find(needle, at + needle.size())) ++n;
  return n;
}

int64_t find(const std::string& s, const std::string& needle) {
  const size_t at = s.find(needle);
  return at == std::string::npos ? -1 : length(s.substr(0, at));
}

}  // namespace lpo::jinja::text
