// The chat templates of ../shared against their renderings by @huggingface/jinja 0.5.11
// (tokenizers/chat-template-golden.jsonl): byte for byte.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "tokenizer/chat_template.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

const char* kGolden = "tokenizers/chat-template-golden.jsonl";

TEST(ChatTemplateGolden, EveryLineRendersByteForByte) {
  LPO_REQUIRE_SHARED(kGolden);
  std::ifstream in(test::shared_path(kGolden));
  std::string line;
  int lines = 0, matched = 0;
  while (std::getline(in, line)) {
    const auto row = nlohmann::ordered_json::parse(line);
    const std::string family = row.at("template");
    const auto tmpl = load_chat_template(test::shared_path("tokenizers/" + family));
    ASSERT_TRUE(tmpl.has_value()) << family;
    nlohmann::ordered_json vars = row.value("extra", nlohmann::ordered_json::object());
    vars["add_generation_prompt"] = row.at("add_generation_prompt");
    const std::string text = render_chat(*tmpl, row.at("messages"), vars);
    EXPECT_EQ(text, row.at("text").get<std::string>()) << family << " case " << row.value("case", "");
    matched += text == row.at("text").get<std::string>();
    ++lines;
  }
  EXPECT_EQ(lines, 14);
  EXPECT_EQ(matched, lines);
}

}  // namespace
}  // namespace lpo

namespace lpo {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Our own test templates (tests/tokenizer/data/templates/*.jinja) rendered by @huggingface/jinja
// 0.5.11 (data/chat_template_cases.mjs): the text byte for byte, or an error where it raised.
TEST(ChatTemplateCases, OwnTemplatesMatchHuggingFaceJinja) {
  const std::string dir = std::string(LPO_TEST_DATA_DIR) + "/tokenizer/data/";
  std::ifstream in(dir + "chat-template-cases.jsonl");
  ASSERT_TRUE(in) << dir;
  std::string line;
  int lines = 0, errors = 0;
  while (std::getline(in, line)) {
    const auto row = nlohmann::ordered_json::parse(line);
    ChatTemplate tmpl;
    tmpl.name = row.at("template").get<std::string>();
    tmpl.source = read_text(dir + "templates/" + tmpl.name + ".jinja");
    tmpl.special_tokens = {{"bos_token", "<s>"}, {"eos_token", "</s>"}};
    nlohmann::ordered_json vars = row.at("extra");
    vars["add_generation_prompt"] = row.at("add_generation_prompt");
    const std::string where = tmpl.name + " / " + row.at("conversation").get<std::string>() +
                              (row.at("add_generation_prompt").get<bool>() ? " / gen" : "");
    ++lines;
    if (!row.at("error").is_null()) {
      ++errors;
      try {
        render_chat(tmpl, row.at("messages"), vars);
        ADD_FAILURE() << where << ": expected an error";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("Conversation roles must alternate"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("chat template " + tmpl.name + " line "), std::string::npos) << e.what();
      }
      continue;
    }
    EXPECT_EQ(render_chat(tmpl, row.at("messages"), vars), row.at("text").get<std::string>()) << where;
  }
  EXPECT_EQ(lines, 36);
  EXPECT_EQ(errors, 2);
}

}  // namespace
}  // namespace lpo
