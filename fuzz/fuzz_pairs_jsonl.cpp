// Preference JSONL in every supported layout (detected per line), skipping bad lines as
// `--skip-bad-lines` does, and strictly.
#include "data/pair_reader.hpp"
#include "fuzz_input.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpo::fuzz::write_input(data, size, "pairs.jsonl");
  for (bool skip : {true, false}) {
    try {
      lpo::ReadOptions options;
      options.skip_bad_lines = skip;
      lpo::ReadReport report;
      (void)lpo::read_pairs(path, options, &report);
    } catch (const lpo::Error&) {
    }
  }
  return 0;
}
