#include "tokenizer/chat_template.hpp"

#include <filesystem>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "tokenizer/jinja/template.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {

namespace fs = std::filesystem;

namespace {
nlohmann::ordered_json parse_json_file(const fs::path& file) {
  try {
    return nlohmann::ordered_json::parse(read_file(file.string()));
  } catch (const nlohmann::json::exception& e) {
    fail(file.string(), ": invalid JSON (", e.what(), ")");
  }
}

// The "chat_template" value: a string, or [{"name", "template"}] (the "default" one).
std::optional<std::string> template_field(const nlohmann::ordered_json& config, const fs::path& file) {
  auto it = config.find("chat_template");
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_array()) {
    for (const auto& entry : *it)
      if (entry.is_object() && entry.contains("name") && entry["name"] == "default" && entry.contains("template") &&
          entry["template"].is_string())
        return entry["template"].get<std::string>();
    fail(file.string(), ": field \"chat_template\" is a list without a template named \"default\"");
  }
  fail(file.string(), ": field \"chat_template\" must be a string or a list of {\"name\", \"template\"}");
}

std::map<std::string, std::string> special_tokens(const nlohmann::ordered_json& config) {
  std::map<std::string, std::string> out;
  for (const char* key : {"bos_token", "eos_token", "unk_token", "pad_token"}) {
    auto it = config.find(key);
    if (it == config.end()) continue;
    if (it->is_string()) out[key] = it->get<std::string>();
    else if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
      out[key] = (*it)["content"].get<std::string>();
  }
  return out;
}

std::shared_ptr<const jinja::Template> compiled(const ChatTemplate& tmpl) {
  static std::mutex mutex;
  static std::unordered_map<std::string, std::shared_ptr<const jinja::Template>> cache;
  const std::string key = tmpl.name + '\0' + tmpl.source;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second;
  if (cache.size() > 64) cache.clear();
  auto t = std::make_shared<const jinja::Template>(tmpl.source, tmpl.name);
  cache.emplace(key, t);
  return t;
}
}  // namespace

std::optional<ChatTemplate> load_chat_template(const std::string& path) {
  fs::path dir = path;
  check(fs::exists(dir), "chat template: '", path, "' does not exist");
  fs::path config_file;
  if (!fs::is_directory(dir)) {
    if (dir.filename() == "tokenizer_config.json") config_file = dir;
    dir = dir.parent_path();
    if (dir.empty()) dir = ".";
  }
  if (config_file.empty()) config_file = dir / "tokenizer_config.json";
  ChatTemplate out;
  nlohmann::ordered_json config = nlohmann::ordered_json::object();
  if (fs::is_regular_file(config_file)) {
    config = parse_json_file(config_file);
    check(config.is_object(), config_file.string(), ": expected a JSON object");
    out.special_tokens = special_tokens(config);
  }
  if (fs::is_regular_file(dir / "chat_template.jinja")) {
    out.source = read_file((dir / "chat_template.jinja").string());
    out.name = (dir / "chat_template.jinja").string();
    return out;
  }
  if (fs::is_regular_file(dir / "chat_template.json")) {
    if (auto t = template_field(parse_json_file(dir / "chat_template.json"), dir / "chat_template.json")) {
      out.source = *t;
      out.name = (dir / "chat_template.json").string();
      return out;
    }
  }
  if (auto t = template_field(config, config_file)) {
    out.source = *t;
    out.name = config_file.string();
    return out;
  }
  return std::nullopt;
}

std::string render_chat(const ChatTemplate& tmpl, const nlohmann::ordered_json& messages,
                        const nlohmann::ordered_json& vars) {
  check(messages.is_array(), "chat template ", tmpl.name, ": messages must be a JSON array");
  check(vars.is_null() || vars.is_object(), "chat template ", tmpl.name, ": template variables must be a JSON object");
  jinja::Dict context;
  context.set("messages", jinja::from_json(messages));
  context.set("add_generation_prompt", jinja::Value(false));
  context.set("tools", jinja::Value(jinja::None{}));
  context.set("documents", jinja::Value(jinja::None{}));
  for (const auto& [k, v] : tmpl.special_tokens) context.set(k, jinja::Value(v));
  if (vars.is_object())
    for (const auto& [k, v] : vars.items()) context.set(k, jinja::from_json(v));
  return compiled(tmpl)->render(context);
}

std::string render_chat(const ChatTemplate& tmpl, const std::vector<ChatMessage>& messages,
                        bool add_generation_prompt) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const ChatMessage& m : messages) list.push_back({{"role", m.role}, {"content", m.content}});
  return render_chat(tmpl, list, {{"add_generation_prompt", add_generation_prompt}});
}

std::string template_end_of_turn(const ChatTemplate& tmpl) {
  const std::string marker = "LPO_END_OF_TURN_PROBE";
  const std::string text = render_chat(tmpl, std::vector<ChatMessage>{{"user", "Hi"}, {"assistant", marker}}, false);
  const size_t at = text.rfind(marker);
  if (at == std::string::npos) return "";
  const std::string tail = text.substr(at + marker.size());
  // A special token right after the content ("<|im_end|>", " </s>"): the turn ends with it, even
  // where the template goes on (Llama 3's base template always opens another assistant header).
  const size_t first = tail.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && tail[first] == '<') {
    const size_t close = tail.find('>', first);
    if (close != std::string::npos) return tail.substr(0, close + 1);
  }
  std::string trimmed = tail;
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' ' || trimmed.back() == '\t' || trimmed.back() == '\r'))
    trimmed.pop_back();
  return trimmed;
}

}  // namespace lpo
