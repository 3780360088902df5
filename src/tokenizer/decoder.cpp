#include "tokenizer/decoder.hpp"

#include <nlohmann/json.hpp>

#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/utf8.hpp"
#include "tokenizer/json_field.hpp"
#include "util/error.hpp"

namespace lpo {

namespace {
std::string replace_all(const std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  std::string out;
  size_t at = 0;
  for (size_t hit = text.find(from); hit != std::string::npos; hit = text.find(from, at)) {
    out.append(text, at, hit - at);
    out += to;
    at = hit + from.size();
  }
  out.append(text, at, std::string::npos);
  return out;
}

// The byte of a "<0xNN>" token, or -1.
int byte_of(const std::string& token) {
  if (token.size() != 6 || token.compare(0, 3, "<0x") != 0 || token[5] != '>') return -1;
  const auto hex = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
  const int hi = hex(token[3]), lo = hex(token[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

std::vector<std::string> byte_fallback(const std::vector<std::string>& tokens) {
  std::vector<std::string> out;
  std::string bytes;
  size_t count = 0;
  const auto flush = [&] {
    if (count == 0) return;
    if (utf8::find_invalid(bytes) == std::string::npos) {
      out.push_back(bytes);
    } else {
      for (size_t i = 0; i < count; ++i) out.push_back("\xEF\xBF\xBD");
    }
    bytes.clear();
    count = 0;
  };
  for (const std::string& t : tokens) {
    const int b = byte_of(t);
    if (b >= 0) {
      bytes += static_cast<char>(b);
      ++count;
      continue;
    }
    flush();
    out.push_back(t);
  }
  flush();
  return out;
}

// Up to `n` copies of `content` cut from the front (or back) of `token`.
std::string strip(std::string token, const std::string& content, int start, int stop) {
  if (content.empty()) return token;
  for (int i = 0; i < start && token.compare(0, content.size(), content) == 0; ++i) token.erase(0, content.size());
  for (int i = 0; i < stop && token.size() >= content.size() &&
                  token.compare(token.size() - content.size(), content.size(), content) == 0;
       ++i)
    token.erase(token.size() - content.size());
  return token;
}
}  // namespace

Decoder Decoder::from_json(const nlohmann::json& spec, const std::string& source) {
  Decoder d;
  if (!spec.is_null()) d.add_step(spec, source);
  return d;
}

void Decoder::add_step(const nlohmann::json& spec, const std::string& source) {
  check(spec.is_object() && spec.contains("type") && spec["type"].is_string(), source,
        ": field \"decoder\" must be null or an object with a \"type\"");
  const std::string type = spec["type"];
  Step step;
  if (type == "Sequence") {
    check(spec.contains("decoders") && spec["decoders"].is_array(), source, ": decoder Sequence needs an array \"decoders\"");
    for (const auto& item : spec["decoders"]) add_step(item, source);
    return;
  }
  if (type == "ByteFallback") {
    step.kind = Step::Kind::byte_fallback;
  } else if (type == "Fuse") {
    step.kind = Step::Kind::fuse;
  } else if (type == "Strip") {
    step.kind = Step::Kind::strip;
    step.content = json_field_or(spec, "content", std::string(" "), source, "decoder Strip");
    step.start = json_field_or(spec, "start", 0, source, "decoder Strip");
    step.stop = json_field_or(spec, "stop", 0, source, "decoder Strip");
  } else if (type == "Replace") {
    step.kind = Step::Kind::replace;
    check(spec.contains("content") && spec["content"].is_string(), source, ": decoder Replace needs a string \"content\"");
    step.content = spec["content"].get<std::string>();
    const nlohmann::json pattern = spec.value("pattern", nlohmann::json::object());
    if (pattern.contains("String") && pattern["String"].is_string())
      step.pattern = pattern["String"].get<std::string>();
    else if (pattern.contains("Regex") && pattern["Regex"].is_string())
      step.regex = std::make_shared<RegexSplitter>(pattern["Regex"].get<std::string>(), source);
    else
      fail(source, ": decoder Replace needs pattern {\"String\": ...} or {\"Regex\": ...}");
  } else if (type == "Metaspace") {
    step.kind = Step::Kind::metaspace;
    step.pattern = json_field_or(spec, "replacement", std::string("\xE2\x96\x81"), source, "decoder Metaspace");
    const bool legacy = json_field_or(spec, "add_prefix_space", true, source, "decoder Metaspace");
    step.prepend = json_field_or(spec, "prepend_scheme", std::string(legacy ? "always" : "never"), source,
                                 "decoder Metaspace") != "never";
  } else {
    fail(source, ": decoder type \"", type,
         "\" is not supported (supported: Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence; byte-level files "
         "need a ByteLevel pre_tokenizer)");
  }
  steps_.push_back(std::move(step));
}

std::string Decoder::decode(std::vector<std::string> tokens) const {
  for (const Step& s : steps_) {
    switch (s.kind) {
      case Step::Kind::byte_fallback: tokens = byte_fallback(tokens); break;
      case Step::Kind::fuse: {
        std::string all;
        for (const std::string& t : tokens) all += t;
        tokens = {all};
        break;
      }
      case Step::Kind::strip:
        for (std::string& t : tokens) t = strip(t, s.content, s.start, s.stop);
        break;
      case Step::Kind::replace:
        for (std::string& t : tokens) {
          if (!s.regex) {
            t = replace_all(t, s.pattern, s.content);
            continue;
          }
          std::string out;
          size_t at = 0;
          for (const auto& [b, e] : s.regex->matches(t)) {
            out.append(t, at, b - at);
            out += s.content;
            at = e;
          }
          out.append(t, at, std::string::npos);
          t = out;
        }
        break;
      case Step::Kind::metaspace:
        for (size_t i = 0; i < tokens.size(); ++i) {
          tokens[i] = replace_all(tokens[i], s.pattern, " ");
          if (i == 0 && s.prepend && !tokens[i].empty() && tokens[i][0] == ' ') tokens[i].erase(0, 1);
        }
        break;
    }
  }
  std::string out;
  for (const std::string& t : tokens) out += t;
  return out;
}

}  // namespace lpo
