// Reading a JSONL file (plain or .gz) of preference pairs in any of the shapes of
// pair_formats.hpp, with bad lines either rejected (default) or skipped and counted.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "data/pair_formats.hpp"
#include "data/preference_pair.hpp"
#include "tokenizer/chat_format.hpp"

namespace lpo {

struct ReadOptions {
  PairFormat format = PairFormat::automatic;  // auto: detected per line
  ChatFormat chat = ChatFormat::plain;        // how message lists become prompt text
  bool skip_bad_lines = false;                // skip and count instead of throwing
};

/// What reading did. lines: non-blank lines read; pairs: pairs returned; skipped: lines (or
/// single candidates of a candidates line) left out, by BadPairError reason; lines_by_format:
/// how many lines were read as each format.
struct ReadReport {
  long lines = 0, pairs = 0, skipped = 0;
  std::map<std::string, long> skipped_by_reason;
  std::map<std::string, long> lines_by_format;
};

/// Reads every pair of `path`. Each pair's `source` is "path:line".
/// Throws lpo::Error "path:line: field 'chosen': ..." (a BadPairError, or lpo::Error for
/// invalid JSON) for the first bad line unless options.skip_bad_lines; then bad lines are
/// counted in `report` (reasons as in BadPairError, plus invalid_json) and logged as a warning.
/// Throws lpo::Error when the file cannot be opened or is corrupt gzip (never skipped).
std::vector<PreferencePair> read_pairs(const std::string& path, const ReadOptions& options = {},
                                       ReadReport* report = nullptr);

/// One line for logs: "read 10 lines -> 12 pairs, 1 skipped (empty_response: 1)".
std::string describe(const ReadReport& report);

}  // namespace lpo
