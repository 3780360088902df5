// Prompt/response examples for supervised fine-tuning, read from JSONL.
#pragma once
#include <string>
#include <vector>

namespace lpo {

struct SftText {
  std::string prompt, response;
  std::string source;  // "file:line"
};

/// Reads one example per line: `prompt`/`response`, or `prompt`/`completion`, or GSM8K's
/// `question`/`answer`. Throws lpo::Error "file:line: ..." for a malformed line, a missing
/// field, or an empty response; with `skip_bad_lines`, such lines are skipped and counted in
/// `*skipped` instead.
std::vector<SftText> read_sft_examples(const std::string& path, bool skip_bad_lines = false,
                                       long* skipped = nullptr);

}  // namespace lpo
