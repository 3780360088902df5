// Byte-level BPE against the reference encodings of ../shared/tokenizers/golden-encodings.jsonl
// (transformers.js; special tokens parsed, no BOS/EOS).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tokenizer_fixtures.hpp"
#include "util/jsonl.hpp"

namespace lpo {
namespace {

const char* kGolden = "tokenizers/golden-encodings.jsonl";

class GoldenEncodings : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenEncodings, EveryLineMatchesAndRoundTrips) {
  LPO_REQUIRE_SHARED(kGolden);
  const std::string name = GetParam();
  const Tokenizer& tok = test::shared_tokenizer(name);
  long lines = 0;
  for_each_json_line(test::shared_path(kGolden), [&](const nlohmann::json& row, long line) {
    const std::string text = row.at("text");
    const auto expected = row.at(name).get<std::vector<int32_t>>();
    const auto ids = tok.encode(text);
    EXPECT_EQ(ids, expected) << name << " golden line " << line << ": " << text.substr(0, 80);
    EXPECT_EQ(tok.decode(ids), text) << name << " round trip, golden line " << line;
    ++lines;
  });
  EXPECT_EQ(lines, 149);
}

INSTANTIATE_TEST_SUITE_P(SharedTokenizers, GoldenEncodings,
                         ::testing::Values("gpt2", "qwen3", "llama3"));

TEST(BpeTokenizer, SpecialTokensAreSingleIds) {
  LPO_REQUIRE_SHARED("tokenizers/qwen3/tokenizer.json");
  const Tokenizer& qwen = test::shared_tokenizer("qwen3");
  EXPECT_EQ(qwen.encode("<|im_end|>"), std::vector<int32_t>{151645});
  EXPECT_EQ(qwen.encode("<|endoftext|>"), std::vector<int32_t>{151643});
  EXPECT_EQ(qwen.token_to_id("<|im_start|>"), 151644);
  // Non-special added tokens are matched too, and decode back to their text.
  EXPECT_EQ(qwen.encode("<think>").size(), 1u);
  EXPECT_EQ(qwen.decode(qwen.encode("a<think>b</think>")), "a<think>b</think>");
  // parse_special=false: the special token is ordinary text (several ids).
  EXPECT_GT(qwen.encode("<|im_end|>", false).size(), 1u);
  // skip_special drops it when decoding.
  EXPECT_EQ(qwen.decode({9707, 151645}, true), "Hello");
  EXPECT_EQ(qwen.decode({9707, 151645}, false), "Hello<|im_end|>");

  const Tokenizer& gpt2 = test::shared_tokenizer("gpt2");
  EXPECT_EQ(gpt2.encode("<|endoftext|>"), std::vector<int32_t>{50256});
  EXPECT_EQ(gpt2.vocab_size(), 50257);
  const Tokenizer& llama = test::shared_tokenizer("llama3");
  EXPECT_EQ(llama.encode("<|eot_id|>"), std::vector<int32_t>{128009});
  EXPECT_EQ(llama.vocab_size(), 128256);
}

TEST(BpeTokenizer, BosEosFromTokenizerConfig) {
  LPO_REQUIRE_SHARED("tokenizers/llama3/tokenizer_config.json");
  EXPECT_EQ(test::shared_tokenizer("gpt2").bos_id(), 50256);
  EXPECT_EQ(test::shared_tokenizer("gpt2").eos_id(), 50256);
  EXPECT_EQ(test::shared_tokenizer("qwen3").bos_id(), std::nullopt);  // "bos_token": null
  EXPECT_EQ(test::shared_tokenizer("qwen3").eos_id(), 151645);        // "<|im_end|>"
  EXPECT_EQ(test::shared_tokenizer("llama3").bos_id(), 128000);
  EXPECT_EQ(test::shared_tokenizer("llama3").eos_id(), 128001);
}

TEST(BpeTokenizer, TokenToIdUsesTheVocabularyForm) {
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const Tokenizer& gpt2 = test::shared_tokenizer("gpt2");
  EXPECT_EQ(gpt2.token_to_id("Ġworld"), 995);  // " world" in GPT-2's byte-level alphabet
  EXPECT_EQ(gpt2.token_to_id("Hello"), 15496);
  EXPECT_EQ(gpt2.token_to_id("no-such-token-xyz"), std::nullopt);
}

TEST(BpeTokenizer, NfcNormalizationOnlyWhereTheFileAsksForIt) {
  LPO_REQUIRE_SHARED("tokenizers/qwen3/tokenizer.json");
  const std::string composed = "caf\xC3\xA9";     // "café" with U+00E9
  const std::string decomposed = "cafe\xCC\x81";  // "cafe" + U+0301 COMBINING ACUTE ACCENT
  const Tokenizer& qwen = test::shared_tokenizer("qwen3");  // normalizer: NFC
  EXPECT_EQ(qwen.encode(decomposed), qwen.encode(composed));
  const Tokenizer& gpt2 = test::shared_tokenizer("gpt2");   // normalizer: null
  EXPECT_NE(gpt2.encode(decomposed), gpt2.encode(composed));
  EXPECT_EQ(gpt2.decode(gpt2.encode(decomposed)), decomposed);
}

TEST(BpeTokenizer, FingerprintDiffersPerFileAndIsStable) {
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const std::string a = test::shared_tokenizer("gpt2").fingerprint();
  EXPECT_EQ(a.size(), 16u);
  EXPECT_NE(a, test::shared_tokenizer("qwen3").fingerprint());
  EXPECT_EQ(a, load_tokenizer(test::shared_path("tokenizers/gpt2/tokenizer.json"))->fingerprint());
}

TEST(BpeTokenizer, HhRlhfRoundTrip) {
  LPO_REQUIRE_SHARED("data/hh-rlhf/harmless-base-test.jsonl.gz");
  const Tokenizer& qwen = test::shared_tokenizer("qwen3");
  long rows = 0;
  for_each_json_line(test::shared_path("data/hh-rlhf/harmless-base-test.jsonl.gz"),
                     [&](const nlohmann::json& row, long line) {
                       if (line > 300) return;
                       const std::string text = row.at("chosen");
                       ASSERT_EQ(qwen.decode(qwen.encode(text)), text) << "hh-rlhf line " << line;
                       ++rows;
                     });
  EXPECT_EQ(rows, 300);
}

}  // namespace
}  // namespace lpo

namespace lpo {
namespace {

// A SentencePiece-kind tokenizer.json (Prepend + Replace normalizers, byte fallback, Replace /
// ByteFallback / Fuse / Strip decoder) against transformers.js on the shared texts.
TEST(SentencePieceKindJson, Llama2GoldenEncodingsMatchEveryLine) {
  const char* golden = "tokenizers/llama2-sp/golden-encodings.jsonl";
  LPO_REQUIRE_SHARED(golden);
  const Tokenizer& tok = test::shared_tokenizer("llama2-sp");
  long lines = 0, matched = 0, round_trips = 0;
  for_each_json_line(test::shared_path(golden), [&](const nlohmann::json& row, long line) {
    const std::string text = row.at("text");
    const auto expected = row.at("llama2-sp").get<std::vector<int32_t>>();
    const auto ids = tok.encode(text);
    EXPECT_EQ(ids, expected) << "golden line " << line << ": " << text.substr(0, 80);
    matched += ids == expected;
    round_trips += tok.decode(ids) == text;
    ++lines;
  });
  EXPECT_EQ(lines, 149);
  EXPECT_EQ(matched, lines);
  EXPECT_GT(round_trips, 140);  // the decoder drops one leading space: " x" and "x" decode alike
}

TEST(SentencePieceKindJson, ByteFallbackAndDecoder) {
  LPO_REQUIRE_SHARED("tokenizers/llama2-sp/tokenizer.json");
  const Tokenizer& tok = test::shared_tokenizer("llama2-sp");
  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  EXPECT_EQ(tok.encode("\n"), (std::vector<int32_t>{28705, 13}));  // "▁" then <0x0A> (id 3 + 0x0A)
  EXPECT_EQ(tok.decode({28705, 13}), "\n");                          // "▁" -> " ", stripped once
  EXPECT_EQ(tok.decode({22557, 1526}), "Hello world");
  EXPECT_EQ(tok.decode({1, 22557}), "<s> Hello");                    // Strip acts on the first token only
  EXPECT_EQ(tok.decode({1, 22557}, true), "Hello");
  EXPECT_EQ(tok.decode({3 + 0xE4, 3 + 0xB8, 3 + 0x96}), "\xE4\xB8\x96");  // three <0xNN> -> one UTF-8 char
  EXPECT_EQ(tok.decode({3 + 0xE4}), "\xEF\xBF\xBD");                      // a lone lead byte -> U+FFFD
  EXPECT_EQ(tok.encode("<s>"), std::vector<int32_t>{1});
}

}  // namespace
}  // namespace lpo
