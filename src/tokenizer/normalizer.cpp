#include "tokenizer/normalizer.hpp"

#include <nlohmann/json.hpp>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/stringpiece.h>
#include <unicode/uchar.h>

#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/utf8.hpp"
#include "tokenizer/json_field.hpp"
#include "util/error.hpp"

namespace lpo {

namespace {
bool all_ascii(const std::string& text) {
  for (unsigned char c : text)
    if (c >= 0x80) return false;
  return true;
}

// One of ICU's four normalization forms. ASCII text is invariant under all four.
std::string icu_normalize(const std::string& text, Normalizer::Step::Kind kind) {
  if (all_ascii(text)) return text;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* form = nullptr;
  switch (kind) {
    case Normalizer::Step::Kind::nfc: form = icu::Normalizer2::getNFCInstance(status); break;
    case Normalizer::Step::Kind::nfd: form = icu::Normalizer2::getNFDInstance(status); break;
    case Normalizer::Step::Kind::nfkc: form = icu::Normalizer2::getNFKCInstance(status); break;
    default: form = icu::Normalizer2::getNFKDInstance(status); break;
  }
  check(U_SUCCESS(status), "ICU: cannot load a Unicode normalizer (", u_errorName(status), ")");
  const icu::StringPiece piece(text.data(), static_cast<int32_t>(text.size()));
  if (form->isNormalizedUTF8(piece, status) && U_SUCCESS(status)) return text;
  status = U_ZERO_ERROR;
  std::string out;
  icu::StringByteSink<std::string> sink(&out, static_cast<int32_t>(text.size()));
  form->normalizeUTF8(0, piece, sink, nullptr, status);
  check(U_SUCCESS(status), "ICU: Unicode normalization failed (", u_errorName(status), ")");
  return out;
}

// Rust's str::to_lowercase, code point by code point (ICU's simple lowercase mapping).
std::string lowercase(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const char32_t c = utf8::next(text, pos);
    utf8::append(out, c < 0x80 ? (c >= 'A' && c <= 'Z' ? c + 32 : c) : static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
  }
  return out;
}

// Rust's char::is_whitespace (White_Space property).
bool is_white_space(char32_t c) { return u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_WHITE_SPACE) != 0; }

std::string strip(const std::string& text, bool left, bool right) {
  size_t begin = 0, end = text.size();
  if (left)
    for (size_t pos = 0; pos < text.size();) {
      if (!is_white_space(utf8::next(text, pos))) break;
      begin = pos;
    }
  if (right)
    while (end > begin) {
      size_t start = end - 1;
      while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
      size_t pos = start;
      if (!is_white_space(utf8::next(text, pos))) break;
      end = start;
    }
  return text.substr(begin, end - begin);
}

std::string replace_all(const std::string& text, const Normalizer::Step& step) {
  if (step.regex) {
    std::string out;
    size_t from = 0;
    for (const auto& [begin, end] : step.regex->matches(text)) {
      out.append(text, from, begin - from);
      out += step.content;
      from = end;
    }
    out.append(text, from, std::string::npos);
    return out;
  }
  if (step.text.empty()) return text;
  std::string out;
  size_t from = 0;
  for (size_t at = text.find(step.text); at != std::string::npos; at = text.find(step.text, from)) {
    out.append(text, from, at - from);
    out += step.content;
    from = at + step.text.size();
  }
  out.append(text, from, std::string::npos);
  return out;
}

std::string string_field(const nlohmann::json& spec, const char* key, const std::string& source, const char* type) {
  check(spec.contains(key) && spec[key].is_string(), source, ": normalizer ", type, " needs a string \"", key, "\"");
  return spec[key].get<std::string>();
}
}  // namespace

Normalizer Normalizer::from_json(const nlohmann::json& spec, const std::string& source) {
  Normalizer n;
  if (!spec.is_null()) n.add_step(spec, source);
  return n;
}

void Normalizer::add_step(const nlohmann::json& spec, const std::string& source) {
  check(spec.is_object() && spec.contains("type") && spec["type"].is_string(), source,
        ": field \"normalizer\" must be null or an object with a \"type\"");
  const std::string type = spec["type"];
  using K = Step::Kind;
  Step step;
  if (type == "Sequence") {
    check(spec.contains("normalizers") && spec["normalizers"].is_array(), source,
          ": normalizer Sequence needs an array \"normalizers\"");
    for (const auto& item : spec["normalizers"]) add_step(item, source);
    return;
  }
  if (type == "NFC") step.kind = K::nfc;
  else if (type == "NFD") step.kind = K::nfd;
  else if (type == "NFKC") step.kind = K::nfkc;
  else if (type == "NFKD") step.kind = K::nfkd;
  else if (type == "Lowercase") step.kind = K::lowercase;
  else if (type == "Strip") {
    step.kind = K::strip;
    step.left = json_field_or(spec, "strip_left", json_field_or(spec, "left", true, source, "Strip"), source, "Strip");
    step.right = json_field_or(spec, "strip_right", json_field_or(spec, "right", true, source, "Strip"), source, "Strip");
  } else if (type == "Prepend") {
    step.kind = K::prepend;
    step.text = string_field(spec, "prepend", source, "Prepend");
  } else if (type == "Replace") {
    step.kind = K::replace;
    step.content = string_field(spec, "content", source, "Replace");
    const nlohmann::json pattern = spec.value("pattern", nlohmann::json::object());
    if (pattern.contains("String") && pattern["String"].is_string())
      step.text = pattern["String"].get<std::string>();
    else if (pattern.contains("Regex") && pattern["Regex"].is_string())
      step.regex = std::make_shared<RegexSplitter>(pattern["Regex"].get<std::string>(), source);
    else
      fail(source, ": normalizer Replace needs pattern {\"String\": ...} or {\"Regex\": ...}");
  } else {
    fail(source, ": normalizer type \"", type,
         "\" is not supported (supported: NFC, NFD, NFKC, NFKD, Lowercase, Strip, Prepend, Replace, Sequence)");
  }
  steps_.push_back(std::move(step));
}

std::string Normalizer::apply(const std::string& input) const {
  std::string text = input;
  for (const Step& s : steps_) {
    switch (s.kind) {
      case Step::Kind::nfc:
      case Step::Kind::nfd:
      case Step::Kind::nfkc:
      case Step::Kind::nfkd: text = icu_normalize(text, s.kind); break;
      case Step::Kind::lowercase: text = lowercase(text); break;
      case Step::Kind::strip: text = strip(text, s.left, s.right); break;
      case Step::Kind::prepend:
        if (!text.empty()) text = s.text + text;
        break;
      case Step::Kind::replace: text = replace_all(text, s); break;
    }
  }
  return text;
}

std::string normalize_nfc(const std::string& text) { return icu_normalize(text, Normalizer::Step::Kind::nfc); }

}  // namespace lpo
