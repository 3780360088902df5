// GPT-2's byte-level alphabet: every byte 0..255 is shown as one printable Unicode character,
// so a byte-level BPE vocabulary is a set of strings over 256 characters.
// Source: OpenAI gpt-2 encoder.py `bytes_to_unicode` (printable Latin-1 bytes map to
// themselves; the other 68 bytes map to U+0100, U+0101, ... in byte order).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace lpo::byte_level {

/// The code point that shows byte `b` (e.g. ' ' (0x20) -> U+0120 'Ġ', 'a' -> 'a').
char32_t byte_to_char(uint8_t b);

/// The byte a character stands for, or nullopt when `c` is not in the 256-character alphabet.
std::optional<uint8_t> char_to_byte(char32_t c);

/// UTF-8 text of the byte-level form of `bytes` (each byte becomes one character).
std::string encode(const std::string& bytes);

/// Raw bytes of a byte-level token string (e.g. "Ġhello" -> " hello"). Returns nullopt when
/// `token` is not valid UTF-8 or holds a character outside the alphabet (such tokens are not
/// byte-level; callers keep their text as is).
std::optional<std::string> decode(const std::string& token);

}  // namespace lpo::byte_level
