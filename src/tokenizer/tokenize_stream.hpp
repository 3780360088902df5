// The line protocol of `lpo tokenize`: JSON strings in, JSON id arrays out (or the reverse).
#pragma once
#include <istream>
#include <ostream>
#include <string>

#include "tokenizer/tokenizer.hpp"

namespace lpo {

struct TokenizeStreamOptions {
  bool decode = false;         // ids -> text instead of text -> ids
  bool parse_special = true;   // encode: "<|im_end|>" in the text is one token
  bool skip_special = false;   // decode: drop special tokens
  std::string source = "stdin";  // names the input in error messages ("stdin:3: ...")
};

/// Encode mode: each input line is one JSON string; writes one JSON array of ids per line.
/// Decode mode: each line is one JSON array of integer ids; writes one JSON string per line.
/// Output is flushed per line. Returns the number of lines converted.
/// Throws lpo::Error "<source>:<line>: ..." for a line that is not the expected JSON
/// (blank lines included), invalid UTF-8, or an out-of-range id; earlier lines are already out.
long tokenize_stream(const Tokenizer& tokenizer, std::istream& in, std::ostream& out,
                     const TokenizeStreamOptions& options = {});

}  // namespace lpo
