// The pieces of the byte-level BPE tokenizer, on hand-computed examples.
#include <gtest/gtest.h>

#include "tokenizer/added_tokens.hpp"
#include "tokenizer/bpe_model.hpp"
#include "tokenizer/byte_level.hpp"
#include "tokenizer/fingerprint.hpp"
#include "tokenizer/pretokenizer.hpp"
#include "tokenizer/utf8.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

TEST(ByteLevel, Gpt2Alphabet) {
  // Printable Latin-1 bytes are themselves; the others count up from U+0100 in byte order.
  EXPECT_EQ(byte_level::byte_to_char('a'), U'a');
  EXPECT_EQ(byte_level::byte_to_char(0x00), U'\u0100');
  EXPECT_EQ(byte_level::byte_to_char('\t'), U'\u0109');  // 'ĉ'
  EXPECT_EQ(byte_level::byte_to_char('\n'), U'\u010A');  // 'Ċ'
  EXPECT_EQ(byte_level::byte_to_char(' '), U'\u0120');   // 'Ġ'
  EXPECT_EQ(byte_level::byte_to_char(0x7F), U'\u0121');
  EXPECT_EQ(byte_level::byte_to_char(0xAD), U'\u0143');  // soft hyphen: the 68th remapped byte
  EXPECT_EQ(byte_level::byte_to_char(0xFF), U'\u00FF');
  EXPECT_EQ(byte_level::encode(" hi\n"), "\xC4\xA0hi\xC4\x8A");  // "Ġhi" + "Ċ"
  EXPECT_EQ(byte_level::decode("\xC4\xA0hi\xC4\x8A"), " hi\n");
  EXPECT_EQ(byte_level::decode("\xE2\x82\xAC"), std::nullopt);  // '€' is not in the alphabet
  for (int b = 0; b < 256; ++b) EXPECT_EQ(byte_level::char_to_byte(byte_level::byte_to_char(b)), b);
}

TEST(Utf8, FindsInvalidSequences) {
  EXPECT_EQ(utf8::find_invalid("h\xC3\xA9llo"), std::string::npos);
  EXPECT_EQ(utf8::find_invalid("ab\xFF"), 2u);
  EXPECT_EQ(utf8::find_invalid("a\xC0\xAF"), 1u);          // overlong '/'
  EXPECT_EQ(utf8::find_invalid("\xED\xA0\x80"), 0u);       // surrogate U+D800
  EXPECT_EQ(utf8::find_invalid("x\xE2\x82"), 1u);          // truncated '€'
  EXPECT_THROW(utf8::check_valid("ab\xFF", "text"), Error);
}

std::vector<std::string> split(const RegexSplitter& s, const std::string& text) {
  std::vector<std::string> out;
  for (auto piece : s.split(text)) out.emplace_back(piece);
  return out;
}

TEST(RegexSplitter, Gpt2Pattern) {
  RegexSplitter gpt2(kGpt2SplitPattern, "test");
  using V = std::vector<std::string>;
  EXPECT_EQ(split(gpt2, "Hello world"), (V{"Hello", " world"}));
  EXPECT_EQ(split(gpt2, "don't  stop"), (V{"don", "'t", " ", " stop"}));  // \s+(?!\S) leaves one space
  EXPECT_EQ(split(gpt2, "x=42!!\n\n"), (V{"x", "=", "42", "!!", "\n\n"}));
  EXPECT_EQ(split(gpt2, "\xCE\xB1\xCE\xB2 \xE2\x82\xAC"), (V{"\xCE\xB1\xCE\xB2", " \xE2\x82\xAC"}));  // αβ €
  EXPECT_TRUE(gpt2.split("").empty());
}

TEST(RegexSplitter, GapsBetweenMatchesArePieces) {
  RegexSplitter digits("[0-9]+", "test");  // Isolated: matches and gaps alike
  using V = std::vector<std::string>;
  EXPECT_EQ(split(digits, "ab12cd3"), (V{"ab", "12", "cd", "3"}));
  EXPECT_THROW(RegexSplitter("(unclosed", "bad.json"), Error);
}

std::unordered_map<std::string, int32_t> byte_vocab() {
  std::unordered_map<std::string, int32_t> vocab;
  for (int b = 0; b < 256; ++b) vocab[std::string(1, static_cast<char>(b))] = b;
  return vocab;
}

std::vector<int32_t> encode_word(const BpeModel& model, const std::string& word) {
  std::vector<int32_t> ids;
  model.encode_word(word, ids);
  return ids;
}

TEST(BpeModel, MergesByRankLeftmostFirst) {
  auto vocab = byte_vocab();
  vocab["ab"] = 300;
  vocab["abc"] = 301;
  vocab["bc"] = 302;
  vocab["aa"] = 303;
  // Rank 0 "b c" beats rank 1 "a b": "abc" -> a + bc, and "a bc" is no rule.
  BpeModel bc_first(vocab, {{"b", "c"}, {"a", "b"}, {"ab", "c"}, {"a", "a"}}, false, "test");
  EXPECT_EQ(encode_word(bc_first, "abc"), (std::vector<int32_t>{'a', 302}));
  EXPECT_EQ(encode_word(bc_first, "abab"), (std::vector<int32_t>{300, 300}));
  // Same rank everywhere: leftmost pairs merge first, "aaa" -> aa + a.
  EXPECT_EQ(encode_word(bc_first, "aaa"), (std::vector<int32_t>{303, 'a'}));
  EXPECT_EQ(encode_word(bc_first, "aaaaa"), (std::vector<int32_t>{303, 303, 'a'}));
  BpeModel ab_first(vocab, {{"a", "b"}, {"ab", "c"}, {"b", "c"}}, false, "test");
  EXPECT_EQ(encode_word(ab_first, "abc"), (std::vector<int32_t>{301}));
  EXPECT_EQ(encode_word(ab_first, "xabcab"), (std::vector<int32_t>{'x', 301, 300}));
  EXPECT_EQ(encode_word(ab_first, "xabcab"), (std::vector<int32_t>{'x', 301, 300}));  // cached
}

TEST(BpeModel, IgnoreMergesTakesWholeWords) {
  auto vocab = byte_vocab();
  vocab["abc"] = 301;  // reachable only as a whole word: no rule builds it
  EXPECT_EQ(encode_word(BpeModel(vocab, {}, true, "test"), "abc"), (std::vector<int32_t>{301}));
  EXPECT_EQ(encode_word(BpeModel(vocab, {}, false, "test"), "abc"), (std::vector<int32_t>{'a', 'b', 'c'}));
}

TEST(BpeModel, RejectsIncompleteVocabularies) {
  auto vocab = byte_vocab();
  EXPECT_THROW(BpeModel(vocab, {{"a", "b"}}, false, "t.json"), Error);  // "ab" not in vocab
  vocab.erase("z");
  EXPECT_THROW(BpeModel(vocab, {}, false, "t.json"), Error);
}

TEST(AddedTokenMatcher, LongestMatchAndStripFlags) {
  AddedTokenMatcher m({{10, "<a>", true, false, false},
                       {11, "<a><b>", true, false, false},
                       {12, "[X]", false, true, true}});
  auto segs = m.split("x<a><b>y<a>", true);
  ASSERT_EQ(segs.size(), 4u);
  EXPECT_EQ(segs[0].text, "x");
  EXPECT_EQ(segs[1].token_id, 11);  // the longer token wins at the same position
  EXPECT_EQ(segs[2].text, "y");
  EXPECT_EQ(segs[3].token_id, 10);
  // lstrip/rstrip: the token takes the whitespace around it.
  segs = m.split("a  [X]  b", true);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[0].text, "a");
  EXPECT_EQ(segs[1].token_id, 12);
  EXPECT_EQ(segs[1].text, "  [X]  ");
  EXPECT_EQ(segs[2].text, "b");
  // parse_special=false: special tokens stay text, non-special ones are still matched.
  segs = m.split("<a>[X]", false);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_EQ(segs[0].text, "<a>");
  EXPECT_EQ(segs[0].token_id, -1);
  EXPECT_EQ(segs[1].token_id, 12);
}

TEST(Fingerprint, Fnv1a64KnownValues) {
  // Reference values of FNV-1a 64 (Fowler/Noll/Vo test vectors).
  EXPECT_EQ(fnv1a64_hex(""), "cbf29ce484222325");
  EXPECT_EQ(fnv1a64_hex("a"), "af63dc4c8601ec8c");
  EXPECT_EQ(fnv1a64_hex("foobar"), "85944171f73967e8");
}

}  // namespace
}  // namespace lpo
