// Bad tokenizer files and bad ids are rejected with lpo::Error naming the file.
#include <gtest/gtest.h>

#include <fstream>

#include "tokenizer/bpe_tokenizer.hpp"
#include "tokenizer_fixtures.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

// The message of the lpo::Error that `fn` throws ("" when it throws none).
template <typename Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::string write(const std::string& dir, const std::string& name, const std::string& text) {
  const std::string path = dir + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(TokenizerErrors, MissingFileNamesThePath) {
  const std::string path = test::temp_dir("missing") + "/nope/tokenizer.json";
  const std::string msg = error_of([&] { load_tokenizer(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  const std::string dir = test::temp_dir("empty");
  EXPECT_NE(error_of([&] { load_tokenizer(dir); }).find("neither tokenizer.json nor tokenizer.model"),
            std::string::npos);
}

TEST(TokenizerErrors, InvalidJsonNamesTheFile) {
  const std::string path = write(test::temp_dir("bad"), "tokenizer.json", "{\"model\": [1, 2");
  const std::string msg = error_of([&] { load_tokenizer(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("invalid JSON"), std::string::npos) << msg;
}

TEST(TokenizerErrors, MissingVocabNamesFileAndField) {
  const std::string path = write(test::temp_dir("novocab"), "tokenizer.json",
                                 R"({"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "merges": []}})");
  const std::string msg = error_of([&] { BpeTokenizer tok(path); });
  EXPECT_NE(msg.find(path), std::string::npos) << msg;
  EXPECT_NE(msg.find("model.vocab"), std::string::npos) << msg;
}

TEST(TokenizerErrors, UnsupportedPiecesAreRefusedByName) {
  const std::string dir = test::temp_dir("meta");
  const std::string path = write(dir, "tokenizer.json",
                                 R"({"pre_tokenizer": {"type": "BertPreTokenizer"}, "model": {"vocab": {}, "merges": []}})");
  EXPECT_NE(error_of([&] { BpeTokenizer tok(path); }).find("\"BertPreTokenizer\" is not supported"), std::string::npos);
  const std::string precompiled = write(dir, "pre.json",
                                 R"({"normalizer": {"type": "Precompiled", "precompiled_charsmap": ""},
                                     "model": {"vocab": {}, "merges": []}})");
  EXPECT_NE(error_of([&] { BpeTokenizer tok(precompiled); }).find("\"Precompiled\" is not supported"), std::string::npos);
  const std::string wordpiece = write(dir, "wp.json",
                                 R"({"decoder": {"type": "WordPiece"}, "model": {"vocab": {}, "merges": []}})");
  EXPECT_NE(error_of([&] { BpeTokenizer tok(wordpiece); }).find("\"WordPiece\" is not supported"), std::string::npos);
  const std::string behavior = write(dir, "split.json",
                                 R"({"pre_tokenizer": {"type": "Split", "pattern": {"String": " "}, "behavior": "Odd"},
                                     "model": {"vocab": {}, "merges": []}})");
  EXPECT_NE(error_of([&] { BpeTokenizer tok(behavior); }).find("\"Odd\""), std::string::npos);
}

TEST(TokenizerErrors, OutOfRangeIdInDecode) {
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const Tokenizer& gpt2 = test::shared_tokenizer("gpt2");
  const std::string msg = error_of([&] { gpt2.decode({15496, 50257}); });
  EXPECT_NE(msg.find("50257"), std::string::npos) << msg;
  EXPECT_THROW(gpt2.decode({-1}), Error);
  EXPECT_EQ(gpt2.decode({50256}), "<|endoftext|>");
}

TEST(TokenizerErrors, InvalidUtf8TextIsRefused) {
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const std::string msg = error_of([&] { test::shared_tokenizer("gpt2").encode("ok\xFFno"); });
  EXPECT_NE(msg.find("invalid UTF-8 at byte 2"), std::string::npos) << msg;
}

TEST(TokenizerErrors, ConfiguredBosMustExist) {
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const std::string msg = error_of([&] {
    BpeTokenizer tok(test::shared_path("tokenizers/gpt2/tokenizer.json"), {std::string("<nope>"), {}});
  });
  EXPECT_NE(msg.find("<nope>"), std::string::npos) << msg;
}

}  // namespace
// Optional fields of the wrong type are lpo::Errors naming component and field, not a json
// type_error escaping as an internal error (found by fuzz_tokenizer_json).
TEST(TokenizerErrors, OptionalFieldsOfTheWrongTypeNameTheField) {
  const std::string dir = test::temp_dir("types");
  const std::string base = R"("model": {"type": "BPE", "vocab": {"a": 0}, "merges": []})";
  struct Case {
    std::string json, needle;
  };
  const std::vector<Case> cases = {
      {R"({"decoder": {"type": "Strip", "content": 5, "start": 1, "stop": 0}, )" + base + "}",
       "decoder Strip field \"content\""},
      {R"({"decoder": {"type": "Metaspace", "add_prefix_space": "yes"}, )" + base + "}",
       "decoder Metaspace field \"add_prefix_space\""},
      {R"({"normalizer": {"type": "Strip", "strip_left": 1}, )" + base + "}", "Strip field \"strip_left\""},
      {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": [], "byte_fallback": "no"}})",
       "model field \"byte_fallback\""},
      {R"({"added_tokens": [{"id": 0, "content": "a", "special": "true"}], )" + base + "}",
       "added token field \"special\""},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string path = write(dir, "t" + std::to_string(i) + ".json", cases[i].json);
    const std::string msg = error_of([&] { BpeTokenizer tok(path); });
    EXPECT_NE(msg.find(cases[i].needle), std::string::npos) << msg;
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
  }
}

}  // namespace lpo
