#include "tokenizer/chat_format.hpp"

#include "util/error.hpp"

namespace lpo {

const ChatFormat ChatFormat::plain{ChatFormat::Kind::plain};
const ChatFormat ChatFormat::chatml{ChatFormat::Kind::chatml};

ChatFormat ChatFormat::from_template(ChatTemplate tmpl) {
  ChatFormat f(Kind::templated);
  auto impl = std::make_shared<Impl>();
  impl->end_of_turn = template_end_of_turn(tmpl);
  impl->tmpl = std::move(tmpl);
  f.impl_ = std::move(impl);
  return f;
}

const std::string& ChatFormat::end_of_turn() const {
  static const std::string none, im_end = "<|im_end|>";
  if (kind_ == Kind::templated) return impl_->end_of_turn;
  return kind_ == Kind::chatml ? im_end : none;
}

ChatFormat parse_chat_format(const std::string& name) {
  if (name == "plain") return ChatFormat::plain;
  if (name == "chatml") return ChatFormat::chatml;
  if (name == "template" || name == "auto")
    fail("chat format \"", name, "\" needs the tokenizer (resolve_chat_format)");
  fail("unknown chat format \"", name, "\" (expected template, auto, plain or chatml)");
}

ChatFormat resolve_chat_format(const std::string& name, const std::string& tokenizer_path) {
  if (name != "template" && name != "auto" && !name.empty()) return parse_chat_format(name);
  auto tmpl = load_chat_template(tokenizer_path);
  if (tmpl) return ChatFormat::from_template(std::move(*tmpl));
  check(name != "template", "--chat-format template: '", tokenizer_path,
        "' has no chat template (no \"chat_template\" in tokenizer_config.json, no chat_template.jinja); "
        "use --chat-format plain or chatml");
  return ChatFormat::plain;
}

std::string chat_format_name(const ChatFormat& format) {
  switch (format.kind()) {
    case ChatFormat::Kind::chatml: return "chatml";
    case ChatFormat::Kind::templated: return "template";
    default: return "plain";
  }
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

std::string format_prompt(const ChatFormat& format, const std::vector<ChatMessage>& messages,
                          bool add_generation_prompt) {
  switch (format.kind()) {
    case ChatFormat::Kind::chatml: return format_chatml(messages, add_generation_prompt);
    case ChatFormat::Kind::templated: return render_chat(*format.chat_template(), messages, add_generation_prompt);
    default: return format_plain(messages);
  }
}

std::string response_suffix(const ChatFormat& format) { return format.end_of_turn(); }

}  // namespace lpo
