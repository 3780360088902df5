#include "tokenizer/jinja/lexer.hpp"

#include <cstring>

#include "tokenizer/utf8.hpp"
#include "util/error.hpp"

namespace lpo::jinja {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

class Lexer {
 public:
  Lexer(const std::string& source, const std::string& name) : src_(source), name_(name) {
    if (!src_.empty() && src_.back() == '\n') src_.pop_back();  // keep_trailing_newline=False
  }

  std::vector<Token> run() {
    while (pos_ < src_.size()) {
      const size_t at = next_tag(pos_);
      emit_text(at);
      if (at == std::string::npos) break;
      lex_tag(at);
    }
    tokens_.push_back({Token::Type::eof, "", line_at(src_.size())});
    return std::move(tokens_);
  }

 private:
  template <typename... A>
  [[noreturn]] void error(size_t at, A&&... args) {
    fail("chat template ", name_, " line ", line_at(at), ": ", std::forward<A>(args)...);
  }

  int line_at(size_t at) {
    if (at < counted_) counted_ = 0, line_ = 1;
    for (; counted_ < at && counted_ < src_.size(); ++counted_)
      if (src_[counted_] == '\n') ++line_;
    return line_;
  }

  size_t next_tag(size_t from) const {
    for (size_t i = src_.find('{', from); i != std::string::npos; i = src_.find('{', i + 1))
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
    return std::string::npos;
  }

  // The text from pos_ up to the tag at `at` (npos: the end), with whitespace control applied.
  void emit_text(size_t at) {
    std::string text = src_.substr(pos_, at == std::string::npos ? std::string::npos : at - pos_);
    const int line = line_at(pos_);
    bool line_start = pos_ == 0 || (pos_ > 0 && src_[pos_ - 1] == '\n');
    if (strip_next_) {
      size_t n = 0;
      while (n < text.size() && is_space(text[n])) ++n;
      if (n > 0) line_start = text[n - 1] == '\n';
      text.erase(0, n);
    } else if (trim_newline_ && !text.empty() && text[0] == '\n') {
      text.erase(0, 1);
      line_start = true;
    }
    strip_next_ = trim_newline_ = false;
    if (at != std::string::npos) {
      const char kind = src_[at + 1], mod = at + 2 < src_.size() ? src_[at + 2] : '\0';
      if (mod == '-') {
        while (!text.empty() && is_space(text.back())) text.pop_back();
      } else if (kind != '{' && mod != '+') {  // lstrip_blocks
        const size_t nl = text.rfind('\n');
        const size_t from = nl == std::string::npos ? 0 : nl + 1;
        if ((nl != std::string::npos || line_start) &&
            text.find_first_not_of(" \t", from) == std::string::npos)
          text.erase(from);
      }
    }
    if (!text.empty()) tokens_.push_back({Token::Type::text, std::move(text), line});
    pos_ = at == std::string::npos ? src_.size() : at;
  }

  // After a closing delimiter ending at `end` ('-' before it: strip, '+': keep, else trim).
  void after_close(size_t end, char modifier, bool block) {
    pos_ = end;
    if (modifier == '-')
      strip_next_ = true;
    else if (block && modifier != '+')
      trim_newline_ = true;
  }

  void lex_tag(size_t at) {
    const char kind = src_[at + 1];
    size_t p = at + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    if (kind == '#') {
      const size_t close = src_.find("#}", p);
      if (close == std::string::npos) error(at, "comment {# is never closed with #}");
      const char mod = close > p && (src_[close - 1] == '-' || src_[close - 1] == '+') ? src_[close - 1] : '\0';
      after_close(close + 2, mod, true);
      return;
    }
    if (kind == '%' && lex_raw(at, p)) return;
    const bool block = kind == '%';
    tokens_.push_back({block ? Token::Type::block_begin : Token::Type::var_begin, "", line_at(at)});
    lex_expression(at, p, block);
  }

  // {% raw %}...{% endraw %}: the body as text. Returns false when the tag is not raw.
  bool lex_raw(size_t at, size_t p) {
    size_t q = p;
    while (q < src_.size() && is_space(src_[q])) ++q;
    if (src_.compare(q, 3, "raw") != 0) return false;
    q += 3;
    while (q < src_.size() && is_space(src_[q])) ++q;
    if (q < src_.size() && src_[q] == '-') ++q;
    if (src_.compare(q, 2, "%}") != 0) return false;
    size_t body = q + 2;
    for (size_t e = src_.find("{%", body); e != std::string::npos; e = src_.find("{%", e + 2)) {
      size_t r = e + 2;
      if (r < src_.size() && (src_[r] == '-' || src_[r] == '+')) ++r;
      while (r < src_.size() && is_space(src_[r])) ++r;
      if (src_.compare(r, 6, "endraw") != 0) continue;
      r += 6;
      while (r < src_.size() && is_space(src_[r])) ++r;
      char mod = '\0';
      if (r < src_.size() && (src_[r] == '-' || src_[r] == '+')) mod = src_[r++];
      if (src_.compare(r, 2, "%}") != 0) continue;
      if (!src_.empty() && src_[q - 1] == '-')
        while (body < e && is_space(src_[body])) ++body;
      std::string text = src_.substr(body, e - body);
      if (src_[e + 2] == '-')
        while (!text.empty() && is_space(text.back())) text.pop_back();
      if (!text.empty()) tokens_.push_back({Token::Type::text, text, line_at(body)});
      after_close(r + 2, mod, true);
      return true;
    }
    error(at, "{% raw %} is never closed with {% endraw %}");
  }

  void lex_expression(size_t at, size_t p, bool block) {
    const char* close = block ? "%}" : "}}";
    int depth = 0;  // open ( [ { inside the tag
    while (true) {
      while (p < src_.size() && is_space(src_[p])) ++p;
      if (p >= src_.size()) error(at, block ? "tag {% is never closed with %}" : "tag {{ is never closed with }}");
      if (depth == 0) {
        const bool mod = (src_[p] == '-' || src_[p] == '+') && src_.compare(p + 1, 2, close) == 0;
        if (mod || src_.compare(p, 2, close) == 0) {
          tokens_.push_back({block ? Token::Type::block_end : Token::Type::var_end, "", line_at(p)});
          after_close(p + (mod ? 3 : 2), mod ? src_[p] : '\0', block);
          return;
        }
      }
      p = lex_one(p, depth);
    }
  }

  size_t lex_one(size_t p, int& depth) {
    const int line = line_at(p);
    const char c = src_[p];
    if (is_name_start(c)) {
      size_t q = p;
      while (q < src_.size() && (is_name_start(src_[q]) || is_digit(src_[q]))) ++q;
      tokens_.push_back({Token::Type::name, src_.substr(p, q - p), line});
      return q;
    }
    if (is_digit(c)) return lex_number(p, line);
    if (c == '\'' || c == '"') return lex_string(p, line);
    static const char* const two[] = {"**", "//", "==", "!=", "<=", ">="};
    for (const char* op : two)
      if (src_.compare(p, 2, op) == 0) {
        tokens_.push_back({Token::Type::op, op, line});
        return p + 2;
      }
    if (std::strchr("+-*/%~<>=()[]{},.:|", c) == nullptr || c == '\0')
      error(p, "unexpected character '", std::string(1, c), "' inside a tag");
    if (c == '(' || c == '[' || c == '{') ++depth;
    if ((c == ')' || c == ']' || c == '}') && depth > 0) --depth;
    tokens_.push_back({Token::Type::op, std::string(1, c), line});
    return p + 1;
  }

  size_t lex_number(size_t p, int line) {
    size_t q = p;
    bool is_float = false;
    while (q < src_.size() && (is_digit(src_[q]) || src_[q] == '_')) ++q;
    if (q + 1 < src_.size() && src_[q] == '.' && is_digit(src_[q + 1])) {
      is_float = true;
      ++q;
      while (q < src_.size() && (is_digit(src_[q]) || src_[q] == '_')) ++q;
    }
    if (q < src_.size() && (src_[q] == 'e' || src_[q] == 'E')) {
      size_t r = q + 1;
      if (r < src_.size() && (src_[r] == '+' || src_[r] == '-')) ++r;
      if (r < src_.size() && is_digit(src_[r])) {
        is_float = true;
        q = r;
        while (q < src_.size() && is_digit(src_[q])) ++q;
      }
    }
    std::string text;
    for (size_t i = p; i < q; ++i)
      if (src_[i] != '_') text += src_[i];
    tokens_.push_back({is_float ? Token::Type::floating : Token::Type::integer, text, line});
    return q;
  }

  // Appends the code point of a \x, \u or \U escape of `digits` hex digits at src_[q].
  size_t hex_escape(size_t q, int digits, std::string& out) {
    if (q + digits > src_.size()) error(q, "truncated escape in a string literal");
    unsigned long cp = 0;
    for (int i = 0; i < digits; ++i) {
      const char c = src_[q + i];
      const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (v < 0) error(q, "bad hexadecimal escape in a string literal");
      cp = cp * 16 + static_cast<unsigned long>(v);
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      error(q, "escape of U+", std::hex, cp, " in a string literal is not a Unicode scalar value");
    utf8::append(out, static_cast<char32_t>(cp));
    return q + digits;
  }

  size_t lex_string(size_t p, int line) {
    const char quote = src_[p];
    std::string out;
    size_t q = p + 1;
    while (q < src_.size() && src_[q] != quote) {
      if (src_[q] != '\\' || q + 1 >= src_.size()) {
        out += src_[q++];
        continue;
      }
      const char e = src_[q + 1];
      q += 2;
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '0': out += '\0'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '\n': break;  // line continuation
        case 'x': q = hex_escape(q, 2, out); break;
        case 'u': q = hex_escape(q, 4, out); break;
        case 'U': q = hex_escape(q, 8, out); break;
        default: out += '\\'; out += e;  // Python keeps unknown escapes as written
      }
    }
    if (q >= src_.size()) error(p, "string literal is never closed");
    tokens_.push_back({Token::Type::string, std::move(out), line});
    return q + 1;
  }

  std::string src_;
  const std::string& name_;
  size_t pos_ = 0;
  bool strip_next_ = false, trim_newline_ = false;
  std::vector<Token> tokens_;
  size_t counted_ = 0;
  int line_ = 1;
};

}  // namespace

std::vector<Token> lex(const std::string& source, const std::string& template_name) {
  return Lexer(source, template_name).run();
}

}  // namespace lpo::jinja
