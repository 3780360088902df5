#include "data/sft_examples.hpp"

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

}  // namespace lpo
