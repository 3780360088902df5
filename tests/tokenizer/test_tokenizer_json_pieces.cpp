// The pieces of SentencePiece-kind tokenizer.json files on hand-computed cases: normalizers,
// Split behaviors, Metaspace, byte fallback with unk, decoders (a tiny file, the fuzz seed).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer/decoder.hpp"
#include "tokenizer/normalizer.hpp"
#include "tokenizer/pretokenizer.hpp"

namespace lpo {
namespace {

using nlohmann::json;

std::string tiny_sp() { return std::string(LPO_TEST_DATA_DIR) + "/../fuzz/seeds/tokenizer_json/tiny_sentencepiece_kind.json"; }

TEST(TokenizerJsonPieces, NormalizersInSequence) {
  const auto n = Normalizer::from_json(json::parse(R"({"type": "Sequence", "normalizers": [
      {"type": "NFKC"}, {"type": "Lowercase"}, {"type": "Strip", "left": true, "right": false},
      {"type": "Replace", "pattern": {"Regex": " +"}, "content": "_"}, {"type": "Prepend", "prepend": ">"}]})"), "t");
  EXPECT_EQ(n.apply("  \xEF\xAC\x81ne  D\xC3\x89J\xC3\x80 "), ">fine_déjà_");  // ﬁ -> fi (NFKC), É -> é
  EXPECT_EQ(n.apply(""), "");                                                 // Prepend adds nothing to ""
  const auto nfd = Normalizer::from_json(json::parse(R"({"type": "NFD"})"), "t");
  EXPECT_EQ(nfd.apply("\xC3\xA9"), "e\xCC\x81");
  EXPECT_EQ(normalize_nfc("e\xCC\x81"), "\xC3\xA9");
}

TEST(TokenizerJsonPieces, SplitBehaviors) {
  const std::string text = "a  b c";
  const std::vector<std::pair<size_t, size_t>> spaces = {{1, 2}, {2, 3}, {4, 5}};  // each space alone
  using V = std::vector<std::string>;
  EXPECT_EQ(split_by_matches(text, spaces, SplitBehavior::removed, false), (V{"a", "b", "c"}));
  EXPECT_EQ(split_by_matches(text, spaces, SplitBehavior::isolated, false), (V{"a", " ", " ", "b", " ", "c"}));
  EXPECT_EQ(split_by_matches(text, spaces, SplitBehavior::merged_with_previous, false), (V{"a ", " ", "b ", "c"}));
  EXPECT_EQ(split_by_matches(text, spaces, SplitBehavior::merged_with_next, false), (V{"a", " ", " b", " c"}));
  EXPECT_EQ(split_by_matches(text, spaces, SplitBehavior::contiguous, false), (V{"a", "  ", "b", " ", "c"}));
  EXPECT_EQ(split_by_matches(text, spaces, SplitBehavior::removed, true), (V{" ", " ", " "}));
}

TEST(TokenizerJsonPieces, MetaspacePrependSchemes) {
  const auto first = PreTokenizer::from_json(
      json::parse(R"({"type": "Metaspace", "replacement": "_", "prepend_scheme": "first", "split": true})"), "t");
  using V = std::vector<std::string>;
  EXPECT_EQ(first.pre_tokenize("hi you", true), (V{"_hi", "_you"}));
  EXPECT_EQ(first.pre_tokenize("hi you", false), (V{"hi", "_you"}));  // not the input's first segment
  const auto never = PreTokenizer::from_json(
      json::parse(R"({"type": "Metaspace", "replacement": "_", "prepend_scheme": "never", "split": false})"), "t");
  EXPECT_EQ(never.pre_tokenize("hi you"), (V{"hi_you"}));
  const auto legacy = PreTokenizer::from_json(json::parse(R"({"type": "Metaspace", "add_prefix_space": true})"), "t");
  EXPECT_EQ(legacy.pre_tokenize("a b"), (V{"\xE2\x96\x81" "a", "\xE2\x96\x81" "b"}));
  const auto digits = PreTokenizer::from_json(json::parse(R"({"type": "Digits", "individual_digits": true})"), "t");
  EXPECT_EQ(digits.pre_tokenize("ab12"), (V{"ab", "1", "2"}));
}

TEST(TokenizerJsonPieces, TinySentencePieceKindFile) {
  BpeTokenizer tok(tiny_sp());
  // "▁hello" and "▁world" through the merges; 0..2 specials, <0xNN> = 3 + NN, "▁" = 259.
  EXPECT_EQ(tok.encode("hello world"), (std::vector<int32_t>{271, 277}));
  EXPECT_EQ(tok.encode("<s>hi"), (std::vector<int32_t>{1, 260, 3 + 'i'}));       // no "▁" after a special (first)
  EXPECT_EQ(tok.encode("\xC3\xA9"), (std::vector<int32_t>{259, 3 + 0xC3, 3 + 0xA9}));  // é by byte fallback
  EXPECT_EQ(tok.encode("\xEF\xAC\x81"), (std::vector<int32_t>{259, 3 + 'f', 3 + 'i'}));  // NFKC: ﬁ -> fi
  EXPECT_EQ(tok.encode("\tw"), (std::vector<int32_t>{273}));                     // tab -> space -> "▁w"
  EXPECT_EQ(tok.decode({271, 277}), "hello world");
  EXPECT_EQ(tok.decode({259, 3 + 0xC3, 3 + 0xA9}), "\xC3\xA9");
  EXPECT_EQ(tok.token_to_id("\xE2\x96\x81hello"), 271);
}

TEST(TokenizerJsonPieces, UnknownCharactersWithoutByteFallbackFuseIntoOneUnk) {
  json spec = json::parse(R"({"model": {"type": "BPE", "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": false,
      "vocab": {"<unk>": 0, "a": 1}, "merges": []}, "pre_tokenizer": null, "normalizer": null, "decoder": null})");
  const std::string path = ::testing::TempDir() + "/unk_tokenizer.json";
  FILE* f = std::fopen(path.c_str(), "w");
  const std::string text = spec.dump();
  std::fwrite(text.data(), 1, text.size(), f);
  std::fclose(f);
  BpeTokenizer tok(path);
  EXPECT_EQ(tok.encode("a\xC3\xA9\xC3\xA8" "a"), (std::vector<int32_t>{1, 0, 1}));
  EXPECT_EQ(Decoder::from_json(json::parse(R"({"type": "Metaspace", "replacement": "_", "prepend_scheme": "always"})"), "t")
                .decode({"_a", "_b"}),
            "a b");
}

}  // namespace
}  // namespace lpo
