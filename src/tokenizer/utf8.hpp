// Small UTF-8 helpers for the tokenizer (validation, one-code-point encode/decode).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace lpo::utf8 {

/// Byte offset of the first invalid UTF-8 sequence in `text` (overlong forms, surrogates and
/// code points above U+10FFFF are invalid), or std::string::npos when all of it is valid.
size_t find_invalid(std::string_view text);

/// Throws lpo::Error("<what>: invalid UTF-8 at byte N") unless `text` is valid UTF-8.
void check_valid(std::string_view text, const std::string& what);

/// Appends the UTF-8 encoding of code point `c` (must be <= U+10FFFF) to `out`.
void append(std::string& out, char32_t c);

/// Decodes the code point starting at `text[pos]` and advances `pos` past it.
/// Precondition: `text` is valid UTF-8 and pos < text.size().
char32_t next(std::string_view text, size_t& pos);

}  // namespace lpo::utf8
