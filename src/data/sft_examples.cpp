#include "data/sft_examples.hpp"

#include <algorithm>

#include "util/error.hpp"
#include "util/jsonl.hpp"
#include "util/log.hpp"

namespace lpo {
namespace {

std::string string_field(const nlohmann::json& j, std::initializer_list<const char*> names,
                         const std::string& where) {
  for (const char* name : names) {
    if (!j.contains(name)) continue;
    check(j[name].is_string(), where, ": field '", name, "' must be a string");
    return j[name].get<std::string>();
  }
  std::string list;
  for (const char* name : names) list += std::string(list.empty() ? "" : " or ") + "'" + name + "'";
  fail(where, ": missing field ", list);
}

}  // namespace

std::vector<SftText> read_sft_examples(const std::string& path, bool skip_bad_lines, long* skipped) {
  std::vector<SftText> out;
  long bad = 0;
  LineReader reader(path);
  std::string line;
  while (reader.next(line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(reader.line_number());
    try {
      nlohmann::json j = parse_json_line(line, path, reader.line_number());
      check(j.is_object(), where, ": expected a JSON object");
      SftText e{string_field(j, {"prompt", "question"}, where),
                string_field(j, {"response", "completion", "answer"}, where), where};
      check(!e.response.empty(), where, ": the response is empty");
      out.push_back(std::move(e));
    } catch (const Error& e) {
      if (!skip_bad_lines) throw;
      ++bad;
      log::debug("skipped ", e.what());
    }
  }
  if (bad) log::warn(path, ": skipped ", bad, " bad line(s) (--skip-bad-lines)");
  if (skipped) *skipped = bad;
  return out;
}

std::vector<SftTokens> encode_sft_examples(const std::vector<SftText>& examples, const Tokenizer& tokenizer,
                                           int seq_length, long* dropped) {
  check(seq_length >= 2, "--seq-length must be at least 2, got ", seq_length);
  std::vector<SftTokens> out;
  long n_dropped = 0;
  const auto eos = tokenizer.eos_id();
  for (const SftText& e : examples) {
    SftTokens t{tokenizer.encode(e.prompt), tokenizer.encode(e.response)};
    if (eos && (t.response.empty() || t.response.back() != *eos)) t.response.push_back(*eos);
    const size_t limit = static_cast<size_t>(seq_length);
    if (t.prompt.size() + t.response.size() > limit) {
      const size_t keep_prompt = std::max<size_t>(1, limit > t.response.size() ? limit - t.response.size() : 1);
      if (t.prompt.size() > keep_prompt) t.prompt.erase(t.prompt.begin(), t.prompt.end() - keep_prompt);
      if (t.prompt.size() + t.response.size() > limit) t.response.resize(limit - t.prompt.size());
    }
    if (t.prompt.empty() || t.response.empty()) {
      ++n_dropped;
      continue;
    }
    out.push_back(std::move(t));
  }
  if (dropped) *dropped = n_dropped;
  return out;
}

}  // namespace lpo
