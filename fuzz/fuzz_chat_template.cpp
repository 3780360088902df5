// Chat templates (Jinja source): lexer, parser and renderer. A template that parses is
// rendered for a fixed conversation, with and without the generation prompt; lpo::Error is
// the one acceptable failure (a bad template, raise_exception, a size bound).
#include <string>

#include "tokenizer/chat_template.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lpo::ChatTemplate tmpl{std::string(reinterpret_cast<const char*>(data), size), "fuzz.jinja",
                         {{"bos_token", "<s>"}, {"eos_token", "</s>"}}};
  const auto messages = nlohmann::ordered_json::parse(
      R"([{"role":"system","content":"Be brief."},{"role":"user","content":"2+2? \u00e9"},)"
      R"({"role":"assistant","content":"<think>x</think>4","tool_calls":[{"function":{"name":"f","arguments":{"a":1}}}]},)"
      R"({"role":"user","content":""}])");
  for (bool generation : {true, false}) {
    try {
      (void)lpo::render_chat(tmpl, messages, {{"add_generation_prompt", generation}, {"enable_thinking", false}});
    } catch (const lpo::Error&) {
    }
  }
  return 0;
}
