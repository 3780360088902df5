// A model's own chat template: the Jinja `chat_template` of its tokenizer_config.json, rendered
// as transformers' `apply_chat_template` renders it. The Jinja engine (tokenizer/jinja/) is an
// implementation detail of this file: nothing above the tokenizer layer sees it.
#pragma once
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpo {

struct ChatMessage {
  std::string role;     // "system", "user", "assistant", ...
  std::string content;
};

struct ChatTemplate {
  std::string source;  // the Jinja text
  std::string name;    // where it came from (a file path), named in every error
  /// bos_token, eos_token, unk_token, pad_token from tokenizer_config.json (string or
  /// {"content": ...}); absent or null ones are left out.
  std::map<std::string, std::string> special_tokens;
};

/// The chat template of a model directory or tokenizer_config.json, in transformers' order:
/// `chat_template.jinja` beside it, else `chat_template.json` {"chat_template": str}, else the
/// config's "chat_template" (a string, or a list of {"name", "template"}: the one named
/// "default"). std::nullopt when there is none (or no tokenizer_config.json and no template
/// file). `path` may also be a tokenizer.json / tokenizer.model: its directory is used.
/// Throws lpo::Error naming the file when it is not valid JSON or a field has a wrong type.
std::optional<ChatTemplate> load_chat_template(const std::string& path);

/// The text `tmpl` renders for `messages` (a JSON array of message objects, passed as they are:
/// tool_calls, content lists...) with the variables of apply_chat_template: `messages`,
/// `add_generation_prompt` (false unless in `vars`), `tools` and `documents` (None unless in
/// `vars`), the special tokens, then every key of `vars` (an object; it may override them).
/// Compiled templates are cached by source. Throws lpo::Error "chat template NAME line N:
/// <construct>: <problem>" for a template error, raise_exception(msg) included.
std::string render_chat(const ChatTemplate& tmpl, const nlohmann::ordered_json& messages,
                        const nlohmann::ordered_json& vars);

/// render_chat for role/content messages.
std::string render_chat(const ChatTemplate& tmpl, const std::vector<ChatMessage>& messages,
                        bool add_generation_prompt);

/// The text the template puts after an assistant message's content to end the turn:
/// "<|im_end|>" (ChatML, Qwen), "<|eot_id|>" (Llama 3), "<end_of_turn>" (Gemma), " </s>"
/// (Llama 2, Mistral). Found by rendering [user, assistant] with a marker as the assistant
/// content: what follows the marker up to the end of the first "<...>" token when one comes
/// first (after optional whitespace), else all of it without trailing whitespace; "" when the
/// template puts nothing there or drops the marker.
std::string template_end_of_turn(const ChatTemplate& tmpl);

}  // namespace lpo
