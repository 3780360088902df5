// The chat templates of ../shared against their renderings by @huggingface/jinja 0.5.11
// (tokenizers/chat-template-golden.jsonl): byte for byte.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "test_support.hpp"
#include "tokenizer/chat_template.hpp"

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
