#include "tokenizer/chat_format.hpp"

#include "util/error.hpp"

namespace lpo {

ChatFormat parse_chat_format(const std::string& name) {
  if (name == "plain") return ChatFormat::plain;
  if (name == "chatml") return ChatFormat::chatml;
  fail("unknown chat format \"", name, "\" (expected plain or chatml)");
}

std::string chat_format_name(ChatFormat format) {
  return format == ChatFormat::chatml ? "chatml" : "plain";
}

namespace {
std::string format_plain(const std::vector<ChatMessage>& messages) {
  std::string out;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i > 0) out += "\n\n";
    out += messages[i].content;
  }
  return out;
}

std::string format_chatml(const std::vector<ChatMessage>& messages, bool add_generation_prompt) {
  std::string out;
  for (const ChatMessage& m : messages) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (add_generation_prompt) out += "<|im_start|>assistant\n";
  return out;
}
}  // namespace

std::string format_prompt(ChatFormat format, const std::vector<ChatMessage>& messages,
                          bool add_generation_prompt) {
  return format == ChatFormat::chatml ? format_chatml(messages, add_generation_prompt)
                                      : format_plain(messages);
}

std::string response_suffix(ChatFormat format) {
  return format == ChatFormat::chatml ? "<|im_end|>" : "";
}

}  // namespace lpo
