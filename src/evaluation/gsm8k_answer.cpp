#include "evaluation/gsm8k_answer.hpp"

#include <algorithm>
#include <cstdint>
#include <numeric>

namespace lpo::evaluation {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit_at(const std::string& s, size_t i) { return i < s.size() && is_digit(s[i]); }

size_t skip_digits(const std::string& s, size_t i) {
  while (digit_at(s, i)) ++i;
  return i;
}

/// A '+'/'-' at `i` is a sign unless glued to what precedes it ("16-3", "x-1", "(a)-2").
bool sign_allowed(const std::string& s, size_t i) {
  if (i == 0) return true;
  const char prev = s[i - 1];
  return !(is_alnum(prev) || prev == ')' || prev == ']' || prev == '.');
}

/// End of the number token that starts exactly at `i` (grammar in the header), or nullopt.
std::optional<size_t> number_end(const std::string& s, size_t i) {
  size_t j = i;
  if (j < s.size() && (s[j] == '-' || s[j] == '+')) ++j;
  if (j < s.size() && s[j] == '$') ++j;
  size_t k = skip_digits(s, j);
  if (k == j) {  // bare decimal ".5"
    if (j < s.size() && s[j] == '.' && digit_at(s, j + 1)) return skip_digits(s, j + 1);
    return std::nullopt;
  }
  bool plain = true;  // no thousands group, no decimal part: may be a fraction's numerator
  if (k - j <= 3) {
    while (k < s.size() && s[k] == ',' && digit_at(s, k + 1) && digit_at(s, k + 2) && digit_at(s, k + 3) &&
           !digit_at(s, k + 4)) {
      k += 4;
      plain = false;
    }
  }
  if (k < s.size() && s[k] == '.' && digit_at(s, k + 1)) return skip_digits(s, k + 1);
  if (plain && k < s.size() && s[k] == '/' && digit_at(s, k + 1)) return skip_digits(s, k + 1);
  return k;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && is_space(s[b])) ++b;
  while (e > b && is_space(s[e - 1])) --e;
  return s.substr(b, e - b);
}

/// trim, then one trailing '.' removed, then trim again ("18. " -> "18").
std::string trim_period(const std::string& s) {
  std::string t = trim(s);
  if (!t.empty() && t.back() == '.') t.pop_back();
  return trim(t);
}

bool all_digits(const std::string& s) { return std::all_of(s.begin(), s.end(), is_digit); }

/// "-" + integer part without leading zeros + "." + fraction without trailing zeros; "0" for zero.
std::string canonical_decimal(bool negative, std::string integer, std::string fraction) {
  integer.erase(0, std::min(integer.find_first_not_of('0'), integer.size()));
  if (integer.empty()) integer = "0";
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  if (integer == "0" && fraction.empty()) negative = false;
  return (negative ? "-" : "") + integer + (fraction.empty() ? "" : "." + fraction);
}

/// Digits (leading zeros ignored, at most 18 significant) as an integer.
std::optional<uint64_t> small_integer(const std::string& digits) {
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  if (digits.size() - first > 18) return std::nullopt;
  return std::stoull(digits.substr(first));
}

/// Exact p/q: a terminating decimal when q has only the prime factors 2 and 5, else "p/q" reduced.
std::optional<std::string> canonical_fraction(bool negative, const std::string& num, const std::string& den) {
  auto p = small_integer(num), q = small_integer(den);
  if (!p || !q || *q == 0) return std::nullopt;
  const uint64_t g = std::gcd(*p, *q);
  *p /= g;
  *q /= g;
  uint64_t rest = *q;
  while (rest % 2 == 0) rest /= 2;
  while (rest % 5 == 0) rest /= 5;
  if (rest != 1) return std::string(negative && *p ? "-" : "") + std::to_string(*p) + "/" + std::to_string(*q);
  std::string fraction;
  unsigned __int128 r = *p % *q;
  while (r != 0) {  // long division; terminates within log2(q) + 1 digits
    r *= 10;
    fraction += static_cast<char>('0' + static_cast<int>(r / *q));
    r %= *q;
  }
  return canonical_decimal(negative, std::to_string(*p / *q), fraction);
}

std::optional<std::string> normalize_first(const std::string& text) {
  for (const NumberSpan& span : number_spans(text)) {
    if (auto n = normalize_number(text.substr(span.begin, span.end - span.begin))) return n;
  }
  return std::nullopt;
}

/// Content of the brace group opening at `open` (s[open] == '{') and the index after its '}'.
std::optional<std::pair<std::string, size_t>> brace_group(const std::string& s, size_t open) {
  if (open >= s.size() || s[open] != '{') return std::nullopt;
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return std::make_pair(s.substr(open + 1, i - open - 1), i + 1);
  }
  return std::nullopt;
}

bool starts_at(const std::string& s, size_t i, const char* word) {
  return s.compare(i, std::char_traits<char>::length(word), word) == 0;
}

struct LatexFraction {
  std::string numerator, denominator;
  size_t end = 0;  // index after the closing '}'
};

/// "\frac{a}{b}" (or \dfrac, \tfrac) starting at `i`.
std::optional<LatexFraction> fraction_at(const std::string& s, size_t i) {
  for (const char* frac : {"\\frac{", "\\dfrac{", "\\tfrac{"}) {
    if (!starts_at(s, i, frac)) continue;
    auto num = brace_group(s, i + std::char_traits<char>::length(frac) - 1);
    auto den = num ? brace_group(s, num->second) : std::nullopt;
    if (den) return LatexFraction{num->first, den->first, den->second};
  }
  return std::nullopt;
}

/// LaTeX box content as plain text: \frac{a}{b} -> a/b, other commands and escapes dropped.
std::string plain_latex(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      out += s[i++];
    } else if (auto frac = fraction_at(s, i)) {
      out += plain_latex(frac->numerator) + "/" + plain_latex(frac->denominator);
      i = frac->end;
    } else {  // drop the backslash and a command name ("\text") or one escaped symbol ("\$")
      const size_t letters = ++i;
      while (i < s.size() && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z'))) ++i;
      if (i == letters && i < s.size()) ++i;
    }
  }
  return out;
}

std::string lowercase(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

}  // namespace

std::vector<NumberSpan> number_spans(const std::string& text) {
  std::vector<NumberSpan> spans;
  for (size_t i = 0; i < text.size();) {
    const char c = text[i];
    const bool sign = c == '-' || c == '+';
    if ((is_digit(c) || c == '$' || c == '.' || sign) && (!sign || sign_allowed(text, i))) {
      if (auto end = number_end(text, i)) {
        spans.push_back({i, *end});
        i = *end;
        continue;
      }
    }
    ++i;
  }
  return spans;
}

std::optional<std::string> normalize_number(const std::string& text) {
  const std::string t = trim_period(text);
  size_t i = 0;
  if (i < t.size() && t[i] == '$') ++i;
  bool negative = false;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) negative = t[i++] == '-';
  if (i < t.size() && t[i] == '$') ++i;
  std::string body;
  for (; i < t.size(); ++i)
    if (t[i] != ',') body += t[i];
  const size_t slash = body.find('/');
  if (slash != std::string::npos) {
    const std::string num = body.substr(0, slash), den = body.substr(slash + 1);
    if (num.empty() || den.empty() || !all_digits(num) || !all_digits(den)) return std::nullopt;
    return canonical_fraction(negative, num, den);
  }
  const size_t dot = body.find('.');
  const std::string integer = body.substr(0, dot);
  const std::string fraction = dot == std::string::npos ? "" : body.substr(dot + 1);
  if (integer.empty() && fraction.empty()) return std::nullopt;
  if (!all_digits(integer) || !all_digits(fraction)) return std::nullopt;
  return canonical_decimal(negative, integer, fraction);
}

std::optional<std::string> extract_strict(const std::string& text) {
  for (size_t pos = text.find("####"); pos != std::string::npos; pos = text.find("####", pos + 4)) {
    size_t i = pos + 4;
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    if (auto end = number_end(text, i)) {
      if (auto n = normalize_number(text.substr(i, *end - i))) return n;
    }
  }
  return std::nullopt;
}

std::optional<std::string> extract_flexible(const std::string& text) {
  const std::vector<NumberSpan> spans = number_spans(text);
  for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
    if (auto n = normalize_number(text.substr(it->begin, it->end - it->begin))) return n;
  }
  return std::nullopt;
}

std::optional<std::string> extract_answer_is(const std::string& text) {
  const std::string lower = lowercase(text);
  const std::string phrase = "answer is";
  for (size_t pos = lower.rfind(phrase); pos != std::string::npos;
       pos = pos == 0 ? std::string::npos : lower.rfind(phrase, pos - 1)) {
    const size_t from = pos + phrase.size();
    const size_t eol = text.find('\n', from);
    const std::string rest = text.substr(from, eol == std::string::npos ? std::string::npos : eol - from);
    if (auto n = normalize_first(rest)) return n;
  }
  return std::nullopt;
}

std::optional<std::string> extract_boxed(const std::string& text) {
  size_t at = std::string::npos, open = 0;
  for (const char* box : {"\\boxed{", "\\fbox{"}) {
    const size_t pos = text.rfind(box);
    if (pos != std::string::npos && (at == std::string::npos || pos > at)) {
      at = pos;
      open = pos + std::char_traits<char>::length(box) - 1;
    }
  }
  if (at == std::string::npos) return std::nullopt;
  auto group = brace_group(text, open);
  if (!group) return std::nullopt;
  return normalize_first(plain_latex(group->first));
}

std::optional<std::string> extract_answer(const std::string& text) {
  if (auto n = extract_strict(text)) return n;
  if (auto n = extract_answer_is(text)) return n;
  if (auto n = extract_boxed(text)) return n;
  return extract_flexible(text);
}

bool answers_match(const std::string& a, const std::string& b) {
  const auto na = normalize_number(a), nb = normalize_number(b);
  if (na && nb) return *na == *nb;
  if (na || nb) return false;
  const std::string ta = trim_period(a);
  return !ta.empty() && ta == trim_period(b);
}

bool is_correct(const std::string& candidate, const std::string& gold_answer) {
  const auto answer = extract_answer(candidate);
  return answer && answers_match(*answer, gold_answer);
}

}  // namespace lpo::evaluation
