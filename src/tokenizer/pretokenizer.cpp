#define PCRE2_CODE_UNIT_WIDTH 8
#include "tokenizer/pretokenizer.hpp"

#include <pcre2.h>

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

PreTokenizer PreTokenizer::from_json(const nlohmann::json& spec, const std::string& source) {
  PreTokenizer result;
  if (!spec.is_null()) result.add_step(spec, source);
  return result;
}

void PreTokenizer::add_step(const nlohmann::json& spec, const std::string& source) {
  check(spec.is_object(), source, ": pre_tokenizer must be an object");
  const std::string type = field_string(spec, "type", "");
  if (type == "Sequence") {
    check(spec.contains("pretokenizers") && spec["pretokenizers"].is_array(), source,
          ": pre_tokenizer Sequence needs an array \"pretokenizers\"");
    for (const auto& item : spec["pretokenizers"]) add_step(item, source);
  } else if (type == "ByteLevel") {
    byte_level_ = true;
    add_prefix_space_ = add_prefix_space_ || field_bool(spec, "add_prefix_space", false);
    if (field_bool(spec, "use_regex", true))
      steps_.push_back(std::make_shared<RegexSplitter>(kGpt2SplitPattern, source));
  } else if (type == "Split") {
    const std::string behavior = field_string(spec, "behavior", "");
    check(behavior == "Isolated" && !field_bool(spec, "invert", false), source,
          ": Split pre_tokenizer with behavior \"", behavior,
          "\" (or invert) is not supported; only \"Isolated\"");
    const nlohmann::json& pattern = spec.value("pattern", nlohmann::json::object());
    if (pattern.contains("Regex") && pattern["Regex"].is_string())
      steps_.push_back(std::make_shared<RegexSplitter>(pattern["Regex"].get<std::string>(), source));
    else if (pattern.contains("String") && pattern["String"].is_string())
      steps_.push_back(std::make_shared<RegexSplitter>(quote_literal(pattern["String"]), source));
    else
      fail(source, ": Split pre_tokenizer needs pattern {\"Regex\": ...} or {\"String\": ...}");
  } else {
    fail(source, ": pre_tokenizer type \"", type,
         "\" is not supported (supported: ByteLevel, Split, Sequence)");
  }
}

std::vector<std::string_view> PreTokenizer::split(std::string_view text) const {
  std::vector<std::string_view> pieces{text};
  for (const auto& step : steps_) {
    std::vector<std::string_view> next;
    next.reserve(pieces.size());
    for (std::string_view piece : pieces)
      for (std::string_view sub : step->split(piece)) next.push_back(sub);
    pieces = std::move(next);
  }
  if (pieces.size() == 1 && pieces[0].empty()) pieces.clear();
  return pieces;
}

}  // namespace lpo
