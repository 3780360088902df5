#include "pipeline/select_pairs.hpp"

#include <sstream>

#include "data/pair_formats.hpp"
#include "evaluation/gsm8k_answer.hpp"
#include "util/files.hpp"
#include "util/jsonl.hpp"
#include "util/log.hpp"

namespace lpo::pipeline {
namespace {

using nlohmann::json;

template <typename... Args>
[[noreturn]] void bad(const char* reason, const std::string& source, const std::string& field, Args&&... args) {
  throw BadPairError(reason, detail::concat(source, ": field '", field, "': ", std::forward<Args>(args)...));
}

std::string string_field(const json& line, const char* field, const std::string& source) {
  auto it = line.find(field);
  if (it == line.end()) bad("missing_field", source, field, "missing");
  if (!it->is_string()) bad("wrong_type", source, field, "expected a string, found ", it->type_name());
  return it->get<std::string>();
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

/// Input keys that are consumed, or that would make pair_reader misdetect the output's format.
bool copied_key(const std::string& key) {
  for (const char* k : {"model_input", "better_context", "candidate_set", "prompt", "chosen", "rejected",
                        "candidate_index", "prompt_ids", "chosen_ids", "rejected_ids"}) {
    if (key == k) return false;
  }
  return true;
}

/// Whether candidate `text` should be rejected; updates the verdict counts.
bool judge(const std::string& text, PairTask task, const std::optional<std::string>& gold, LineSelection& s) {
  if (task == PairTask::reference) return true;
  if (evaluation::is_correct(text, *gold)) {
    ++s.correct;
    return false;
  }
  ++s.wrong;
  if (!evaluation::extract_answer(text)) ++s.no_answer;
  return true;
}

void add(SelectReport& r, const LineSelection& s) {
  r.correct += s.correct;
  r.wrong += s.wrong;
  r.no_answer += s.no_answer;
  r.empty += s.empty;
  r.identical += s.identical;
  if (!s.dropped.empty()) ++r.dropped[s.dropped];
  if (!s.rejected.empty()) ++r.prompts_with_pairs;
  r.pairs_out += static_cast<long>(s.rejected.size());
}

void count_bad(SelectReport& r, const std::string& reason, const std::string& message) {
  ++r.bad_lines;
  ++r.bad_lines_by_reason[reason];
  log::warn("skipped ", message);
}

/// The pairs of one non-blank line; a bad line throws, or is counted when skipping.
std::vector<json> select_line(const std::string& text, const std::string& path, long line_number,
                              const SelectOptions& options, SelectReport& report) {
  const std::string source = path + ":" + std::to_string(line_number);
  json line;
  try {
    line = parse_json_line(text, path, line_number);
  } catch (const Error& e) {
    if (!options.skip_bad_lines) throw;
    count_bad(report, "invalid_json", e.what());
    return {};
  }
  try {
    const CandidateSet set = parse_candidate_set(line, source);
    const LineSelection selection = select_rejected(set, options.task);
    report.candidates += static_cast<long>(set.candidates.size());
    add(report, selection);
    return make_pairs(set, selection);
  } catch (const BadPairError& e) {
    if (!options.skip_bad_lines) throw;
    count_bad(report, e.reason(), e.what());
  }
  return {};
}

}  // namespace

std::string pair_task_name(PairTask task) { return task == PairTask::gsm8k ? "gsm8k" : "reference"; }

PairTask parse_pair_task(const std::string& name) {
  for (PairTask t : {PairTask::gsm8k, PairTask::reference}) {
    if (pair_task_name(t) == name) return t;
  }
  fail("unknown --task '", name, "' (expected gsm8k or reference)");
}

CandidateSet parse_candidate_set(const json& line, const std::string& source) {
  if (!line.is_object())
    throw BadPairError("not_an_object", source + ": expected a JSON object, found " + line.type_name());
  CandidateSet set;
  set.prompt = string_field(line, "model_input", source);
  set.reference = string_field(line, "better_context", source);
  if (blank(set.reference)) bad("empty_response", source, "better_context", "the reference answer is empty");
  auto it = line.find("candidate_set");
  if (it == line.end()) bad("missing_field", source, "candidate_set", "missing");
  if (!it->is_array()) bad("wrong_type", source, "candidate_set", "expected a list, found ", it->type_name());
  for (size_t i = 0; i < it->size(); ++i)
    set.candidates.push_back(candidate_text((*it)[i], source, "candidate_set[" + std::to_string(i) + "]"));
  for (auto field = line.begin(); field != line.end(); ++field) {
    if (copied_key(field.key())) set.extra[field.key()] = field.value();
  }
  return set;
}

LineSelection select_rejected(const CandidateSet& set, PairTask task) {
  LineSelection s;
  if (set.candidates.empty()) {
    s.dropped = "no_candidates";
    return s;
  }
  if (task == PairTask::gsm8k) {
    s.gold_answer = evaluation::extract_strict(set.reference);
    if (!s.gold_answer) {
      s.dropped = "no_gold_answer";
      return s;
    }
  }
  for (size_t i = 0; i < set.candidates.size(); ++i) {
    const std::string& text = set.candidates[i];
    if (blank(text)) {
      ++s.empty;
    } else if (text == set.reference) {
      ++s.identical;
      if (task == PairTask::gsm8k) ++s.correct;
    } else if (judge(text, task, s.gold_answer, s)) {
      s.rejected.push_back(i);
    }
  }
  if (s.rejected.empty()) s.dropped = "no_wrong_candidate";
  return s;
}

std::vector<json> make_pairs(const CandidateSet& set, const LineSelection& selection) {
  std::vector<json> pairs;
  for (size_t i : selection.rejected) {
    json pair = set.extra;
    pair["prompt"] = set.prompt;
    pair["chosen"] = set.reference;
    pair["rejected"] = set.candidates.at(i);
    pair["candidate_index"] = i;
    pairs.push_back(std::move(pair));
  }
  return pairs;
}

std::vector<json> select_pairs_in_memory(const std::string& in, const SelectOptions& options, SelectReport& report) {
  report = SelectReport{};
  report.task = pair_task_name(options.task);
  std::vector<json> pairs;
  LineReader reader(in);
  std::string text;
  while (reader.next(text)) {
    if (blank(text)) continue;
    ++report.prompts_in;
    for (auto& p : select_line(text, in, reader.line_number(), options, report)) pairs.push_back(std::move(p));
  }
  return pairs;
}

SelectReport select_pairs(const std::string& in, const std::string& out, const SelectOptions& options) {
  SelectReport report;
  const std::vector<json> pairs = select_pairs_in_memory(in, options, report);
  std::string body;
  for (const json& p : pairs) body += p.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  write_file_atomic(out, body);
  write_file_atomic(out + ".summary.json", to_json(report).dump(2) + "\n");
  log::info(in, ": ", describe(report));
  return report;
}

json to_json(const SelectReport& r) {
  return json{{"task", r.task},
              {"prompts_in", r.prompts_in},
              {"prompts_with_pairs", r.prompts_with_pairs},
              {"pairs_out", r.pairs_out},
              {"dropped", r.dropped},
              {"bad_lines", r.bad_lines},
              {"bad_lines_by_reason", r.bad_lines_by_reason},
              {"candidates",
               {{"total", r.candidates},
                {"correct", r.correct},
                {"wrong", r.wrong},
                {"no_answer", r.no_answer},
                {"empty", r.empty},
                {"identical_to_chosen", r.identical}}}};
}

std::string describe(const SelectReport& r) {
  std::ostringstream out;
  out << r.task << ": " << r.prompts_in << " prompts -> " << r.pairs_out << " pairs from " << r.prompts_with_pairs
      << " prompts; dropped:";
  if (r.dropped.empty()) out << " none";
  for (const auto& [reason, n] : r.dropped) out << " " << reason << " " << n;
  out << "; bad lines: " << r.bad_lines;
  for (const auto& [reason, n] : r.bad_lines_by_reason) out << " (" << reason << " " << n << ")";
  out << "; candidates " << r.candidates << ": correct " << r.correct << ", wrong " << r.wrong << " (no answer "
      << r.no_answer << "), empty " << r.empty << ", identical to chosen " << r.identical;
  return out.str();
}

}  // namespace lpo::pipeline
