// load_tokenizer (tokenizer.hpp): picks the implementation from the file name or directory.
#include <filesystem>

#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/sentencepiece_tokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/tokenizer_config.hpp"
#include "util/error.hpp"

namespace lpo {

namespace fs = std::filesystem;

namespace {
// The file to load: `path` itself, or tokenizer.json / tokenizer.model inside a directory.
fs::path resolve_tokenizer_file(const fs::path& path) {
  check(fs::exists(path), "tokenizer '", path.string(), "' does not exist");
  if (!fs::is_directory(path)) return path;
  for (const char* name : {"tokenizer.json", "tokenizer.model"})
    if (fs::is_regular_file(path / name)) return path / name;
  fail("directory '", path.string(), "' has neither tokenizer.json nor tokenizer.model");
}

// tokenizer_config.json next to the tokenizer file, when there is one.
TokenizerConfig config_beside(const fs::path& file) {
  const fs::path config = file.parent_path() / "tokenizer_config.json";
  if (!fs::is_regular_file(config)) return {};
  return read_tokenizer_config(config.string());
}
}  // namespace

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
  const fs::path file = resolve_tokenizer_file(path);
  const TokenizerConfig config = config_beside(file);
  if (file.extension() == ".model") return std::make_unique<SentencePieceTokenizer>(file.string(), config);
  return std::make_unique<BpeTokenizer>(file.string(), config);
}

}  // namespace lpo
