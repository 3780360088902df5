// The `lpo tokenize` line protocol, at library level.
#include <gtest/gtest.h>

#include <sstream>

#include "tokenizer/tokenize_stream.hpp"
#include "tokenizer_fixtures.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

TEST(TokenizeStream, EncodesAndDecodesLines) {
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const Tokenizer& gpt2 = test::shared_tokenizer("gpt2");
  std::istringstream in("\"Hello world\"\n\"\"\n\"<|endoftext|>\"\n");
  std::ostringstream out;
  EXPECT_EQ(tokenize_stream(gpt2, in, out), 3);
  EXPECT_EQ(out.str(), "[15496,995]\n[]\n[50256]\n");

  std::istringstream ids("[15496,995]\r\n[50256]\n");
  std::ostringstream text;
  TokenizeStreamOptions decode;
  decode.decode = true;
  EXPECT_EQ(tokenize_stream(gpt2, ids, text, decode), 2);
  EXPECT_EQ(text.str(), "\"Hello world\"\n\"<|endoftext|>\"\n");
}

TEST(TokenizeStream, BadLineNamesItsNumber) {
  LPO_REQUIRE_SHARED("tokenizers/gpt2/tokenizer.json");
  const Tokenizer& gpt2 = test::shared_tokenizer("gpt2");
  const auto message = [&](const std::string& input, bool decode) {
    std::istringstream in(input);
    std::ostringstream out;
    TokenizeStreamOptions options;
    options.decode = decode;
    try {
      tokenize_stream(gpt2, in, out, options);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_EQ(message("\"a\"\n\"b\"\n[1]\n", false).rfind("stdin:3: expected a JSON string", 0), 0u);
  EXPECT_EQ(message("\"a\"\nnot json\n", false).rfind("stdin:2: invalid JSON", 0), 0u);
  EXPECT_EQ(message("[1]\n[1, 99999999]\n", true).rfind("stdin:2: decode: token id 99999999", 0), 0u);
  EXPECT_EQ(message("[1.5]\n", true).rfind("stdin:1: expected integer token ids", 0), 0u);
}

}  // namespace
}  // namespace lpo
