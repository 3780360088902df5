// TRL's conversational preference data through the model's own chat template (qwen3, llama3 of
// ../shared): the prompt/response texts and the exact token ids the pairs encode to.
#include <gtest/gtest.h>

#include "data/encode_pairs.hpp"
#include "data/pair_formats.hpp"
#include "test_support.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo {
namespace {

using nlohmann::json;

const char* kExplicit = R"({"prompt":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"}],
  "chosen":[{"role":"assistant","content":"4"}],"rejected":[{"role":"assistant","content":"5"}]})";
// Implicit prompt, multi-turn: chosen and rejected are whole conversations sharing 3 messages.
const char* kImplicit = R"({"chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},
  {"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}],
  "rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"},
  {"role":"user","content":"2+2?"},{"role":"assistant","content":"5"}]})";

PreferencePair one_pair(const char* line, const ChatFormat& chat) {
  auto pairs = pairs_from_json(json::parse(line), PairFormat::automatic, chat, "t.jsonl:1");
  EXPECT_EQ(pairs.size(), 1u);
  return pairs.at(0);
}

TEST(TemplatePairs, Qwen3ExplicitPromptTextsAndIds) {
  LPO_REQUIRE_SHARED("tokenizers/qwen3/tokenizer_config.json");
  const std::string dir = test::shared_path("tokenizers/qwen3");
  const ChatFormat chat = resolve_chat_format("auto", dir);
  ASSERT_EQ(chat.end_of_turn(), "<|im_end|>");
  const PreferencePair p = one_pair(kExplicit, chat);
  EXPECT_EQ(p.prompt, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n");
  // Qwen3 writes an empty think block before the last assistant turn; the turn ends at <|im_end|>.
  EXPECT_EQ(p.chosen, "<think>\n\n</think>\n\n4<|im_end|>");
  EXPECT_EQ(p.rejected, "<think>\n\n</think>\n\n5<|im_end|>");
  EXPECT_TRUE(p.turn_closed);
  auto tok = load_tokenizer(dir);
  auto t = encode_pair(p, tok.get(), EncodeOptions{});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->prompt, (std::vector<int32_t>{151644, 8948, 198, 3430, 9814, 13, 151645, 198, 151644, 872, 198, 17, 10,
                                             17, 30, 151645, 198, 151644, 77091, 198}));
  EXPECT_EQ(t->chosen, (std::vector<int32_t>{151667, 271, 151668, 271, 19, 151645}));  // <|im_end|> once
  EXPECT_EQ(t->rejected, (std::vector<int32_t>{151667, 271, 151668, 271, 20, 151645}));
}

TEST(TemplatePairs, Llama3ImplicitMultiTurnTextsAndIds) {
  LPO_REQUIRE_SHARED("tokenizers/llama3/tokenizer_config.json");
  const std::string dir = test::shared_path("tokenizers/llama3");
  const ChatFormat chat = resolve_chat_format("template", dir);
  ASSERT_EQ(chat.end_of_turn(), "<|eot_id|>");
  const PreferencePair p = one_pair(kImplicit, chat);
  const std::string h = "<|start_header_id|>", e = "<|end_header_id|>\n\n";
  EXPECT_EQ(p.prompt, "<|begin_of_text|>" + h + "user" + e + "Hi<|eot_id|>" + h + "assistant" + e + "Hello<|eot_id|>" + h +
                          "user" + e + "2+2?<|eot_id|>" + h + "assistant" + e);
  EXPECT_EQ(p.chosen, "4<|eot_id|>");  // the base template's trailing assistant header is not trained on
  EXPECT_EQ(p.rejected, "5<|eot_id|>");
  auto tok = load_tokenizer(dir);
  auto t = encode_pair(p, tok.get(), EncodeOptions{});
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->chosen, (std::vector<int32_t>{19, 128009}));  // no <|end_of_text|> after <|eot_id|>
  EXPECT_EQ(t->rejected, (std::vector<int32_t>{20, 128009}));
  EXPECT_EQ(t->prompt.front(), 128000);
  EXPECT_EQ(t->prompt, tok->encode(p.prompt));
  const ChatFormat llama_explicit = resolve_chat_format("auto", dir);
  const auto q = encode_pair(one_pair(kExplicit, llama_explicit), tok.get(), EncodeOptions{});
  EXPECT_EQ(q->prompt, (std::vector<int32_t>{128000, 128006, 9125, 128007, 271, 3513, 10015, 13, 128009, 128006, 882,
                                             128007, 271, 17, 10, 17, 30, 128009, 128006, 78191, 128007, 271}));
}

TEST(TemplatePairs, PromptThatIsNotAPrefixIsReportedPerLine) {
  // A template that writes the generation prompt differently from the assistant turn.
  ChatTemplate tmpl{"{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}"
                    "{% if add_generation_prompt %}[bot]{% endif %}",
                    "odd.jinja", {}};
  const ChatFormat chat = ChatFormat::from_template(tmpl);
  try {
    one_pair(kExplicit, chat);
    FAIL();
  } catch (const BadPairError& err) {
    EXPECT_EQ(err.reason(), "prompt_not_prefix");
    EXPECT_NE(std::string(err.what()).find("t.jsonl:1: field 'chosen': the chat template's rendering of the prompt"),
              std::string::npos)
        << err.what();
  }
  // raise_exception in the template: a per-line error too (countable with --skip-bad-lines).
  const ChatFormat strict = ChatFormat::from_template(
      {"{% for m in messages %}{% if m.role == 'system' %}{{ raise_exception('no system role') }}{% endif %}"
       "{{ m.content }}{% endfor %}",
       "strict.jinja", {}});
  try {
    one_pair(kExplicit, strict);
    FAIL();
  } catch (const BadPairError& err) {
    EXPECT_EQ(err.reason(), "template_error");
    EXPECT_NE(std::string(err.what()).find("no system role"), std::string::npos) << err.what();
  }
}

TEST(TemplatePairs, StandardStringsStayVerbatimAndIdenticalConversationsAreRefused) {
  LPO_REQUIRE_SHARED("tokenizers/qwen3/tokenizer_config.json");
  const ChatFormat chat = resolve_chat_format("auto", test::shared_path("tokenizers/qwen3"));
  const PreferencePair p = one_pair(R"({"prompt":"Q: 2+2?","chosen":" 4","rejected":" 5"})", chat);
  EXPECT_EQ(p.prompt, "Q: 2+2?");
  EXPECT_EQ(p.chosen, " 4");
  EXPECT_FALSE(p.turn_closed);
  try {
    one_pair(R"({"chosen":[{"role":"user","content":"Hi"},{"role":"assistant","content":"x"}],
                "rejected":[{"role":"user","content":"Hi"},{"role":"assistant","content":"x"}]})",
             chat);
    FAIL();
  } catch (const BadPairError& err) {
    EXPECT_EQ(err.reason(), "identical_responses");
  }
}

}  // namespace
}  // namespace lpo
