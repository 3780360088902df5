// `lpo tokenize --tokenizer PATH [--decode]`: stdin one JSON string per line -> stdout one JSON
// array of ids per line; with --decode, arrays of ids -> strings. Errors name "stdin:N".
#include <iostream>

#include "cli/command.hpp"
#include "tokenizer/tokenize_stream.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo::cli {
namespace {
struct TokenizeFlags {
  std::string tokenizer;
  bool decode = false;
  bool no_special = false;
  bool skip_special = false;
};

Register reg("tokenize", "encode JSON strings from stdin to token ids (or --decode ids to text)",
             [](CLI::App& app) -> Runner {
  auto flags = std::make_shared<TokenizeFlags>();
  app.add_option("--tokenizer", flags->tokenizer,
                 "tokenizer.json, tokenizer.model or a model directory holding one")
      ->required();
  app.add_flag("--decode", flags->decode, "read JSON arrays of ids, write JSON strings");
  app.add_flag("--no-special", flags->no_special,
               "encode special tokens written in the text (\"<|im_end|>\") as plain text");
  app.add_flag("--skip-special", flags->skip_special, "drop special tokens when decoding");
  return [flags] {
    auto tokenizer = load_tokenizer(flags->tokenizer);
    TokenizeStreamOptions options;
    options.decode = flags->decode;
    options.parse_special = !flags->no_special;
    options.skip_special = flags->skip_special;
    tokenize_stream(*tokenizer, std::cin, std::cout, options);
    return 0;
  };
});
}  // namespace
}  // namespace lpo::cli
