#include <gtest/gtest.h>

#include "tokenizer/chat_format.hpp"
#include "tokenizer_fixtures.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

const std::vector<ChatMessage> kChat = {{"system", "You are helpful."}, {"user", "hi"}};

TEST(ChatFormat, ChatMl) {
  EXPECT_EQ(format_prompt(ChatFormat::chatml, kChat),
            "<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n"
            "<|im_start|>assistant\n");
  EXPECT_EQ(format_prompt(ChatFormat::chatml, {{"user", "hi"}}, false), "<|im_start|>user\nhi<|im_end|>\n");
  EXPECT_EQ(response_suffix(ChatFormat::chatml), "<|im_end|>");
}

TEST(ChatFormat, ChatMlPromptMatchesGoldenQwenEncoding) {
  // Golden line 11 of golden-encodings.jsonl is this very prompt.
  LPO_REQUIRE_SHARED("tokenizers/qwen3/tokenizer.json");
  EXPECT_EQ(test::shared_tokenizer("qwen3").encode(format_prompt(ChatFormat::chatml, kChat)),
            (std::vector<int32_t>{151644, 8948, 198, 2610, 525, 10950, 13, 151645, 198, 151644, 872,
                                  198, 6023, 151645, 198, 151644, 77091, 198}));
}

TEST(ChatFormat, PlainJoinsContents) {
  EXPECT_EQ(format_prompt(ChatFormat::plain, kChat), "You are helpful.\n\nhi");
  EXPECT_EQ(format_prompt(ChatFormat::plain, kChat, false), "You are helpful.\n\nhi");
  EXPECT_EQ(format_prompt(ChatFormat::plain, {}), "");
  EXPECT_EQ(response_suffix(ChatFormat::plain), "");
}

TEST(ChatFormat, ParseNames) {
  EXPECT_EQ(parse_chat_format("plain"), ChatFormat::plain);
  EXPECT_EQ(parse_chat_format("chatml"), ChatFormat::chatml);
  EXPECT_EQ(chat_format_name(ChatFormat::chatml), "chatml");
  EXPECT_THROW(parse_chat_format("llama2"), Error);
}

}  // namespace
}  // namespace lpo
