// Pair construction from sampled candidates (`lpo select-pairs`), the seed's step 2: the gold
// (reference) answer is `chosen`, wrong or worse samples are `rejected`.
//
// Input: the seed's candidate schema, one JSON object per line (plain or .gz):
//   {"model_input": prompt, "better_context": gold solution, "candidate_set": [str | obj], ...}
// with candidates as data/pair_formats.hpp's candidate_text reads them (a string, or an object
// with "text" / "candidate" / "response" / "content").
// Output: one {"prompt", "chosen", "rejected", "candidate_index", ...} object per line (the shape
// data/pair_reader reads as prompt-chosen-rejected); every other top-level field of the input
// line (ids, source, ...) is copied, except model_input / better_context / candidate_set and
// keys that would change the detected format (prompt_ids, chosen_ids, rejected_ids).
//
// Tasks:
//   gsm8k      gold answer = evaluation::extract_strict(better_context) (the number after
//              "#### "); a candidate is rejected when evaluation::is_correct says it is wrong
//              (its extract_answer differs from the gold answer, or it has no number at all).
//              Lines with no gold answer, or with no wrong candidate, give no pair.
//   reference  every candidate is rejected against better_context.
// In both tasks a candidate that is empty / whitespace only, or identical to better_context,
// is never a pair (it carries no preference signal) and is counted.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpo::pipeline {

enum class PairTask { gsm8k, reference };

/// "gsm8k" or "reference".
std::string pair_task_name(PairTask task);
/// Inverse of pair_task_name. Throws lpo::Error listing the valid names.
PairTask parse_pair_task(const std::string& name);

/// One line of a candidates file.
struct CandidateSet {
  std::string prompt;                   // model_input, verbatim
  std::string reference;                // better_context: the gold solution, verbatim
  std::vector<std::string> candidates;  // candidate_set texts, in order
  nlohmann::json extra = nlohmann::json::object();  // the other top-level fields, copied to pairs
};

/// Reads one parsed line. `source` ("file:line") prefixes errors.
/// Throws lpo::BadPairError "source: field 'better_context': ..." (reasons not_an_object,
/// missing_field, wrong_type, empty_response) when the line does not have the schema.
CandidateSet parse_candidate_set(const nlohmann::json& line, const std::string& source);

/// The verdicts on one line's candidates.
struct LineSelection {
  std::optional<std::string> gold_answer;  // gsm8k: normalised gold number (nullopt: none found)
  std::vector<size_t> rejected;            // indices into candidates that become pairs, in order
  long correct = 0;                        // gsm8k: candidates whose answer matches the gold one
  long wrong = 0;                          // gsm8k: candidates judged wrong (no_answer included)
  long no_answer = 0;                      // gsm8k: wrong because no number could be extracted
  long empty = 0;                          // empty or whitespace-only candidates (never a pair)
  long identical = 0;                      // candidates equal to better_context (never a pair)
  /// Why the line gives no pair: "no_candidates", "no_gold_answer", "no_wrong_candidate";
  /// empty when it gives at least one.
  std::string dropped;
};

/// Decides which candidates of `set` are rejected under `task` (rules in the file comment).
LineSelection select_rejected(const CandidateSet& set, PairTask task);

/// The output objects for one line: one per selection.rejected index.
std::vector<nlohmann::json> make_pairs(const CandidateSet& set, const LineSelection& selection);

struct SelectOptions {
  PairTask task = PairTask::gsm8k;
  bool skip_bad_lines = false;  // count bad lines instead of throwing
};

/// What select_pairs did. prompts_in: non-blank lines read (bad ones included).
struct SelectReport {
  std::string task;
  long prompts_in = 0, prompts_with_pairs = 0, pairs_out = 0, bad_lines = 0;
  std::map<std::string, long> dropped;              // lines without pairs, by LineSelection::dropped
  std::map<std::string, long> bad_lines_by_reason;  // invalid_json, missing_field, wrong_type, ...
  long candidates = 0, correct = 0, wrong = 0, no_answer = 0, empty = 0, identical = 0;
};

/// Reads the candidates file `in`, writes the pairs to `out` atomically (JSONL) and the report
/// as JSON to `out + ".summary.json"` (atomically), logs describe(report) to stderr.
/// Throws lpo::Error "in:line: field 'x': ..." (or "invalid JSON") on the first bad line unless
/// options.skip_bad_lines; throws lpo::Error when a file cannot be read or written.
SelectReport select_pairs(const std::string& in, const std::string& out, const SelectOptions& options);

/// Candidate-set lines of `in` to pairs in memory (what select_pairs writes), filling `report`.
std::vector<nlohmann::json> select_pairs_in_memory(const std::string& in, const SelectOptions& options,
                                                   SelectReport& report);

/// The report as the summary file's JSON object.
nlohmann::json to_json(const SelectReport& report);

/// One line for logs: "gsm8k: 10 prompts -> 7 pairs from 4 prompts; dropped: ...; bad lines: 0".
std::string describe(const SelectReport& report);

}  // namespace lpo::pipeline
