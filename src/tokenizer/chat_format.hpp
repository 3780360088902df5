// Chat formats: how a conversation becomes the prompt text a model continues.
#pragma once
#include <string>
#include <vector>

namespace lpo {

struct ChatMessage {
  std::string role;     // "system", "user", "assistant", ...
  std::string content;
};

enum class ChatFormat {
  /// Contents only, roles dropped: the messages' contents joined with "\n\n" (no separator
  /// before the first or after the last; the generation prompt adds nothing). For base models
  /// and prompts that carry their own framing (e.g. hh-rlhf "\n\nHuman: ...").
  plain,
  /// ChatML (Qwen2/Qwen3): "<|im_start|>{role}\n{content}<|im_end|>\n" per message, then
  /// "<|im_start|>assistant\n" as the generation prompt.
  chatml,
};

/// "plain" or "chatml". Throws lpo::Error naming the value and the choices otherwise.
ChatFormat parse_chat_format(const std::string& name);

/// The name parse_chat_format accepts for `format`.
std::string chat_format_name(ChatFormat format);

/// Prompt text of `messages` in `format`, with the assistant turn opened when
/// `add_generation_prompt` is true. Never adds BOS/EOS tokens.
std::string format_prompt(ChatFormat format, const std::vector<ChatMessage>& messages,
                          bool add_generation_prompt = true);

/// Text that ends a response in `format`: "<|im_end|>" for chatml, "" for plain (a plain
/// response ends with the tokenizer's EOS, if any).
std::string response_suffix(ChatFormat format);

}  // namespace lpo
