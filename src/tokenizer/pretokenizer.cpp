#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/pretokenizer.hpp"

#include <pcre2.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "util/error.hpp"

namespace lpo {

const char* const kGpt2SplitPattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

namespace {
std::string pcre2_message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof buffer);
  return reinterpret_cast<const char*>(buffer);
}

// Per-thread match resources: match data sized for one group and a JIT stack that grows to
// 8 MiB (the default 32 KiB is too small for long whitespace runs with lookahead).
struct ThreadMatchState {
  pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
  pcre2_jit_stack* stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
  pcre2_match_context* context = pcre2_match_context_create(nullptr);
  ThreadMatchState() { pcre2_jit_stack_assign(context, nullptr, stack); }
  ~ThreadMatchState() {
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
    pcre2_match_data_free(data);
  }
};

ThreadMatchState& match_state() {
  thread_local ThreadMatchState state;
  return state;
}
}  // namespace

struct RegexSplitter::Impl {
  pcre2_code* code = nullptr;
  ~Impl() { pcre2_code_free(code); }
};

RegexSplitter::RegexSplitter(const std::string& pattern, const std::string& source)
    : impl_(std::make_unique<Impl>()) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                              PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
  check(impl_->code != nullptr, source, ": pre-tokenizer regex does not compile at offset ", offset,
        " (", pcre2_message(error), "): ", pattern);
  pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter on failure
}

RegexSplitter::~RegexSplitter() = default;

std::vector<std::string_view> RegexSplitter::split(std::string_view text) const {
  std::vector<std::string_view> pieces;
  ThreadMatchState& state = match_state();
  const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t start = 0;  // where the next search begins
  size_t emitted = 0;  // end of the last piece pushed
  while (start < text.size()) {
    const int rc = pcre2_match(impl_->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK,
                               state.data, state.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    check(rc >= 0, "pre-tokenizer regex failed: ", pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    const size_t begin = ovector[0], end = ovector[1];
    if (begin > emitted) pieces.push_back(text.substr(emitted, begin - emitted));
    if (end > begin) {
      pieces.push_back(text.substr(begin, end - begin));
      emitted = start = end;
    } else {  // empty match: step over one whole UTF-8 character
      start = begin + 1;
      while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
      emitted = begin;
    }
  }
  if (emitted < text.size()) pieces.push_back(text.substr(emitted));
  return pieces;
}

namespace {
// A literal string as a PCRE2 pattern.
std::string quote_literal(const std::string& literal) {
  std::string out;
  for (char c : literal) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string field_string(const nlohmann::json& spec, const char* key, const std::string& def) {
  return spec.contains(key) && spec[key].is_string() ? spec[key].get<std::string>() : def;
}

bool field_bool(const nlohmann::json& spec, const char* key, bool def) {
  return spec.contains(key) && spec[key].is_boolean() ? spec[key].get<bool>() : def;
}
}  // namespace

std::vector<std::pair<size_t, size_t>> RegexSplitter::matches(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> out;
  ThreadMatchState& state = match_state();
  const auto subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t start = 0;
  while (start < text.size()) {
    const int rc = pcre2_match(impl_->code, subject, text.size(), start, PCRE2_NO_UTF_CHECK, state.data, state.context);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    check(rc >= 0, "pre-tokenizer regex failed: ", pcre2_message(rc));
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
    const size_t begin = ovector[0], end = ovector[1];
    if (end > begin) {
      out.emplace_back(begin, end);
      start = end;
    } else {
      start = begin + 1;
      while (start < text.size() && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) ++start;
    }
  }
  return out;
}

std::vector<std::string> split_by_matches(const std::string& text, const std::vector<std::pair<size_t, size_t>>& matches,
                                          SplitBehavior behavior, bool invert) {
  struct Span {
    size_t begin, end;
    bool delimiter;
  };
  std::vector<Span> spans;
  size_t at = 0;
  for (const auto& [b, e] : matches) {
    if (b > at) spans.push_back({at, b, invert});
    spans.push_back({b, e, !invert});
    at = e;
  }
  if (at < text.size()) spans.push_back({at, text.size(), invert});
  std::vector<std::pair<size_t, size_t>> pieces;
  switch (behavior) {
    case SplitBehavior::removed:
      for (const Span& s : spans)
        if (!s.delimiter) pieces.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::isolated:
      for (const Span& s : spans) pieces.emplace_back(s.begin, s.end);
      break;
    case SplitBehavior::merged_with_previous: {
      bool previous_delimiter = false;
      for (const Span& s : spans) {
        if (s.delimiter && !previous_delimiter && !pieces.empty()) pieces.back().second = s.end;
        else pieces.emplace_back(s.begin, s.end);
        previous_delimiter = s.delimiter;
      }
      break;
    }
    case SplitBehavior::merged_with_next: {
      bool previous_delimiter = false;
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->delimiter && !previous_delimiter && !pieces.empty()) pieces.back().first = it->begin;
        else pieces.emplace_back(it->begin, it->end);
        previous_delimiter = it->delimiter;
      }
      std::reverse(pieces.begin(), pieces.end());
      break;
    }
    case SplitBehavior::contiguous: {
      bool previous_delimiter = false;
      for (const Span& s : spans) {
        if (s.delimiter && previous_delimiter && !pieces.empty()) pieces.back().second = s.end;
        else pieces.emplace_back(s.begin, s.end);
        previous_delimiter = s.delimiter;
      }
      break;
    }
  }
  std::vector<std::string> out;
  out.reserve(pieces.size());
  for (const auto& [b, e] : pieces)
    if (e > b) out.push_back(text.substr(b, e - b));
  return out;
}

namespace {
SplitBehavior parse_behavior(const std::string& name, const std::string& source) {
  if (name == "Removed") return SplitBehavior::removed;
  if (name == "Isolated") return SplitBehavior::isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::merged_with_previous;
  if (name == "MergedWithNext") return SplitBehavior::merged_with_next;
  if (name == "Contiguous") return SplitBehavior::contiguous;
  fail(source, ": Split pre_tokenizer behavior \"", name,
       "\" is not supported (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
}

// The Metaspace step on one piece: spaces become the replacement, the prefix is prepended by
// the scheme, then (split) the piece is cut before each replacement.
std::vector<std::string> metaspace(const std::string& piece, const PreTokenizer::Step& s, bool first) {
  std::string text;
  for (size_t at = 0;;) {
    const size_t space = piece.find(' ', at);
    text.append(piece, at, space == std::string::npos ? std::string::npos : space - at);
    if (space == std::string::npos) break;
    text += s.replacement;
    at = space + 1;
  }
  const bool starts = text.compare(0, s.replacement.size(), s.replacement) == 0;
  if (!text.empty() && !starts &&
      (s.prepend == PreTokenizer::Step::Prepend::always || (s.prepend == PreTokenizer::Step::Prepend::first && first)))
    text = s.replacement + text;
  if (!s.split) return {text};
  std::vector<std::pair<size_t, size_t>> matches;
  for (size_t at = text.find(s.replacement); at != std::string::npos; at = text.find(s.replacement, at + s.replacement.size()))
    matches.emplace_back(at, at + s.replacement.size());
  return split_by_matches(text, matches, SplitBehavior::merged_with_next, false);
}
}  // namespace

PreTokenizer PreTokenizer::from_json(const nlohmann::json& spec, const std::string& source) {
  PreTokenizer result;
  if (!spec.is_null()) result.add_step(spec, source);
  return result;
}

void PreTokenizer::add_step(const nlohmann::json& spec, const std::string& source) {
  check(spec.is_object(), source, ": pre_tokenizer must be an object");
  const std::string type = field_string(spec, "type", "");
  Step step;
  if (type == "Sequence") {
    check(spec.contains("pretokenizers") && spec["pretokenizers"].is_array(), source,
          ": pre_tokenizer Sequence needs an array \"pretokenizers\"");
    for (const auto& item : spec["pretokenizers"]) add_step(item, source);
    return;
  } else if (type == "ByteLevel") {
    byte_level_ = true;
    add_prefix_space_ = add_prefix_space_ || field_bool(spec, "add_prefix_space", false);
    if (!field_bool(spec, "use_regex", true)) return;
    step.regex = std::make_shared<RegexSplitter>(kGpt2SplitPattern, source);
  } else if (type == "Split") {
    step.behavior = parse_behavior(field_string(spec, "behavior", ""), source);
    step.invert = field_bool(spec, "invert", false);
    const nlohmann::json& pattern = spec.value("pattern", nlohmann::json::object());
    if (pattern.contains("Regex") && pattern["Regex"].is_string())
      step.regex = std::make_shared<RegexSplitter>(pattern["Regex"].get<std::string>(), source);
    else if (pattern.contains("String") && pattern["String"].is_string())
      step.regex = std::make_shared<RegexSplitter>(quote_literal(pattern["String"]), source);
    else
      fail(source, ": Split pre_tokenizer needs pattern {\"Regex\": ...} or {\"String\": ...}");
  } else if (type == "Metaspace") {
    step.kind = Step::Kind::metaspace;
    step.replacement = field_string(spec, "replacement", "\xE2\x96\x81");
    check(!step.replacement.empty(), source, ": Metaspace replacement must not be empty");
    const std::string scheme = field_string(spec, "prepend_scheme", field_bool(spec, "add_prefix_space", true) ? "always" : "never");
    if (scheme == "always") step.prepend = Step::Prepend::always;
    else if (scheme == "first") step.prepend = Step::Prepend::first;
    else if (scheme == "never") step.prepend = Step::Prepend::never;
    else fail(source, ": Metaspace prepend_scheme \"", scheme, "\" is not supported (always, first, never)");
    step.split = field_bool(spec, "split", true);
  } else if (type == "Digits") {
    step.regex = std::make_shared<RegexSplitter>(field_bool(spec, "individual_digits", false) ? "\\p{N}" : "\\p{N}+", source);
  } else if (type == "WhitespaceSplit") {
    step.kind = Step::Kind::whitespace_split;
    step.regex = std::make_shared<RegexSplitter>("\\s+", source);
    step.behavior = SplitBehavior::removed;
  } else {
    fail(source, ": pre_tokenizer type \"", type,
         "\" is not supported (supported: ByteLevel, Split, Metaspace, Digits, WhitespaceSplit, Sequence)");
  }
  steps_.push_back(std::move(step));
}

std::vector<std::string> PreTokenizer::pre_tokenize(const std::string& text, bool first_segment) const {
  std::vector<std::string> pieces;
  if (!text.empty()) pieces.push_back(text);
  for (const Step& step : steps_) {
    std::vector<std::string> next;
    next.reserve(pieces.size());
    for (size_t i = 0; i < pieces.size(); ++i) {
      const std::string& piece = pieces[i];
      if (step.kind == Step::Kind::metaspace) {
        for (std::string& sub : metaspace(piece, step, first_segment && i == 0)) next.push_back(std::move(sub));
      } else if (step.kind == Step::Kind::regex && step.behavior == SplitBehavior::isolated && !step.invert) {
        for (std::string_view sub : step.regex->split(piece)) next.emplace_back(sub);
      } else {
        for (std::string& sub : split_by_matches(piece, step.regex->matches(piece), step.behavior, step.invert))
          next.push_back(std::move(sub));
      }
    }
    pieces = std::move(next);
  }
  return pieces;
}

}  // namespace lpo
