// Chat formats: how a conversation becomes the text a model reads. Three kinds: the model's
// own Jinja chat template (chat_template.hpp), and two built-in formats, plain and chatml.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tokenizer/chat_template.hpp"

namespace lpo {

class ChatFormat {
 public:
  enum class Kind {
    /// Contents only, roles dropped: the messages' contents joined with "\n\n" (no separator
    /// before the first or after the last; the generation prompt adds nothing). For base models
    /// and prompts that carry their own framing (e.g. hh-rlhf "\n\nHuman: ...").
    plain,
    /// ChatML (Qwen2/Qwen3 without the template's extras): "<|im_start|>{role}\n{content}<|im_end|>\n"
    /// per message, then "<|im_start|>assistant\n" as the generation prompt.
    chatml,
    /// The model's own chat template, rendered as transformers' apply_chat_template does.
    templated,
  };
  static const ChatFormat plain;
  static const ChatFormat chatml;

  constexpr ChatFormat() = default;  // plain
  /// The format of `tmpl`; renders once to find its end-of-turn text (template_end_of_turn).
  /// Throws lpo::Error for a template that does not parse or render.
  static ChatFormat from_template(ChatTemplate tmpl);

  Kind kind() const { return kind_; }
  /// The template (kind templated), else nullptr.
  const ChatTemplate* chat_template() const { return impl_ ? &impl_->tmpl : nullptr; }
  /// What closes an assistant turn: "<|im_end|>" for chatml, template_end_of_turn for a
  /// template (e.g. "<|eot_id|>"), "" for plain (a plain response ends with the tokenizer's EOS).
  const std::string& end_of_turn() const;

  bool operator==(const ChatFormat& o) const { return kind_ == o.kind_ && impl_ == o.impl_; }
  bool operator!=(const ChatFormat& o) const { return !(*this == o); }

 private:
  struct Impl {
    ChatTemplate tmpl;
    std::string end_of_turn;
  };
  constexpr explicit ChatFormat(Kind kind) : kind_(kind) {}  // constant-initialized statics
  Kind kind_ = Kind::plain;
  std::shared_ptr<const Impl> impl_;
};

/// "plain" or "chatml". Throws lpo::Error naming the value and the choices otherwise
/// ("template" needs a tokenizer: resolve_chat_format).
ChatFormat parse_chat_format(const std::string& name);

/// The format `name` names for the model or tokenizer at `tokenizer_path` (a directory, or a
/// file inside one): "template" -> its chat template (lpo::Error when it has none), "auto" or
/// "" -> its template when it has one, else plain; "plain", "chatml" as parse_chat_format.
ChatFormat resolve_chat_format(const std::string& name, const std::string& tokenizer_path);

/// The name of `format`'s kind: "plain", "chatml" or "template".
std::string chat_format_name(const ChatFormat& format);

/// Prompt text of `messages` in `format`, with the assistant turn opened when
/// `add_generation_prompt` is true. Built-in formats never add BOS/EOS; a template adds what it
/// writes itself (Llama 3's "<|begin_of_text|>" from bos_token).
std::string format_prompt(const ChatFormat& format, const std::vector<ChatMessage>& messages,
                          bool add_generation_prompt = true);

/// format.end_of_turn().
std::string response_suffix(const ChatFormat& format);

}  // namespace lpo
