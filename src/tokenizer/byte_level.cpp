#include "tokenizer/byte_level.hpp"

#include <array>

#include "tokenizer/utf8.hpp"

namespace lpo::byte_level {

namespace {
// Bytes GPT-2 keeps as their own Latin-1 character: '!'..'~', U+00A1..U+00AC, U+00AE..U+00FF.
bool printable(int b) { return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE); }

// The alphabet's highest character is U+0143 (256 + 68 remapped bytes - 1).
constexpr char32_t kAlphabetEnd = 0x144;

struct Tables {
  std::array<char32_t, 256> to_char{};
  std::array<int16_t, kAlphabetEnd> to_byte{};  // -1: not in the alphabet
  Tables() {
    to_byte.fill(-1);
    char32_t next_extra = 0x100;
    for (int b = 0; b < 256; ++b) {
      to_char[b] = printable(b) ? static_cast<char32_t>(b) : next_extra++;
      to_byte[to_char[b]] = static_cast<int16_t>(b);
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}
}  // namespace

char32_t byte_to_char(uint8_t b) { return tables().to_char[b]; }

std::optional<uint8_t> char_to_byte(char32_t c) {
  if (c >= kAlphabetEnd || tables().to_byte[c] < 0) return std::nullopt;
  return static_cast<uint8_t>(tables().to_byte[c]);
}

std::string encode(const std::string& bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) utf8::append(out, byte_to_char(b));
  return out;
}

std::optional<std::string> decode(const std::string& token) {
  if (utf8::find_invalid(token) != std::string::npos) return std::nullopt;
  std::string out;
  out.reserve(token.size());
  for (size_t pos = 0; pos < token.size();) {
    auto b = char_to_byte(utf8::next(token, pos));
    if (!b) return std::nullopt;
    out += static_cast<char>(*b);
  }
  return out;
}

}  // namespace lpo::byte_level
