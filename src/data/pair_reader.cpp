#include "data/pair_reader.hpp"

#include <sstream>

#include "util/jsonl.hpp"
#include "util/log.hpp"

namespace lpo {
namespace {

void count_skip(ReadReport& report, const std::string& reason, const std::string& message) {
  ++report.skipped;
  ++report.skipped_by_reason[reason];
  log::debug("skipped ", message);
}

/// The pairs of one non-blank line; bad input throws, or is counted when skipping.
std::vector<PreferencePair> read_line(const std::string& text, const std::string& path, long line_number,
                                      const ReadOptions& options, ReadReport& report) {
  nlohmann::json j;
  try {
    j = parse_json_line(text, path, line_number);
  } catch (const Error& e) {
    if (!options.skip_bad_lines) throw;
    count_skip(report, "invalid_json", e.what());
    return {};
  }
  auto format = options.format == PairFormat::automatic ? detect_pair_format(j) : options.format;
  if (format) ++report.lines_by_format[pair_format_name(*format)];
  std::vector<BadPairError> problems;
  try {
    const std::string source = path + ":" + std::to_string(line_number);
    auto pairs = pairs_from_json(j, options.format, options.chat, source, options.skip_bad_lines ? &problems : nullptr);
    for (const auto& p : problems) count_skip(report, p.reason(), p.what());
    return pairs;
  } catch (const BadPairError& e) {
    if (!options.skip_bad_lines) throw;
    count_skip(report, e.reason(), e.what());
  }
  return {};
}

}  // namespace

std::vector<PreferencePair> read_pairs(const std::string& path, const ReadOptions& options, ReadReport* report) {
  ReadReport local;
  ReadReport& r = report ? *report : local;
  r = ReadReport{};
  std::vector<PreferencePair> out;
  LineReader reader(path);
  std::string text;
  while (reader.next(text)) {
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    ++r.lines;
    for (auto& p : read_line(text, path, reader.line_number(), options, r)) out.push_back(std::move(p));
  }
  r.pairs = static_cast<long>(out.size());
  if (r.skipped) log::warn(path, ": ", describe(r));
  return out;
}

std::string describe(const ReadReport& r) {
  std::ostringstream out;
  out << "read " << r.lines << " lines -> " << r.pairs << " pairs, " << r.skipped << " skipped";
  if (!r.skipped_by_reason.empty()) {
    out << " (";
    const char* sep = "";
    for (const auto& [reason, n] : r.skipped_by_reason) {
      out << sep << reason << ": " << n;
      sep = ", ";
    }
    out << ")";
  }
  return out.str();
}

}  // namespace lpo
