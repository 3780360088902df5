#include "data/pair_formats.hpp"

#include <algorithm>

namespace lpo {
namespace {

using nlohmann::json;

const char* const kAssistantTurn = "\n\nAssistant:";

template <typename... Args>
[[noreturn]] void bad(const char* reason, const std::string& source, const std::string& field, Args&&... args) {
  throw BadPairError(reason, detail::concat(source, ": field '", field, "': ", std::forward<Args>(args)...));
}

const json& require(const json& line, const char* field, const std::string& source) {
  auto it = line.find(field);
  if (it == line.end()) bad("missing_field", source, field, "missing");
  return *it;
}

std::string string_field(const json& line, const char* field, const std::string& source) {
  const json& v = require(line, field, source);
  if (!v.is_string()) bad("wrong_type", source, field, "expected a string, found ", v.type_name());
  return v.get<std::string>();
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }

void check_response(const std::string& text, const std::string& source, const std::string& field) {
  if (blank(text)) bad("empty_response", source, field, "the response is empty or only whitespace");
}

void check_distinct(const std::string& chosen, const std::string& rejected, const std::string& source,
                    const std::string& field) {
  if (chosen == rejected)
    bad("identical_responses", source, field, "chosen and rejected responses are identical (no preference signal)");
}

// ---- messages --------------------------------------------------------------------------

ChatMessage parse_message(const json& m, const std::string& source, const std::string& field) {
  if (!m.is_object()) bad("wrong_type", source, field, "expected a message {\"role\",\"content\"}, found ", m.type_name());
  ChatMessage out;
  for (auto [key, dest] : {std::pair<const char*, std::string*>{"role", &out.role}, {"content", &out.content}}) {
    auto it = m.find(key);
    if (it == m.end()) bad("missing_field", source, field + "." + key, "missing");
    if (!it->is_string()) bad("wrong_type", source, field + "." + key, "expected a string, found ", it->type_name());
    *dest = it->get<std::string>();
  }
  return out;
}

std::vector<ChatMessage> parse_messages(const json& v, const std::string& source, const std::string& field) {
  if (!v.is_array()) bad("wrong_type", source, field, "expected a list of messages, found ", v.type_name());
  std::vector<ChatMessage> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back(parse_message(v[i], source, field + "[" + std::to_string(i) + "]"));
  return out;
}

bool same(const ChatMessage& a, const ChatMessage& b) { return a.role == b.role && a.content == b.content; }

bool starts_with(const std::vector<ChatMessage>& all, const std::vector<ChatMessage>& head) {
  return head.size() <= all.size() && std::equal(head.begin(), head.end(), all.begin(), same);
}

/// The prompt messages: absent -> none; a string -> one user message; a list -> itself.
std::vector<ChatMessage> prompt_messages(const json& line, const std::string& source) {
  auto it = line.find("prompt");
  if (it == line.end()) return {};
  if (it->is_string()) return {ChatMessage{"user", it->get<std::string>()}};
  return parse_messages(*it, source, "prompt");
}

/// The whole conversation of one response: the prompt messages, then the response's own
/// messages (a list that already starts with the prompt messages is taken as is).
std::vector<ChatMessage> conversation(const std::vector<ChatMessage>& prompt, const json& line, const char* field,
                                      const std::string& source) {
  std::vector<ChatMessage> own = parse_messages(require(line, field, source), source, field);
  if (own.empty()) bad("empty_response", source, field, "the message list is empty");
  if (starts_with(own, prompt) && own.size() > prompt.size()) return own;
  std::vector<ChatMessage> all = prompt;
  all.insert(all.end(), own.begin(), own.end());
  return all;
}

// The message list of `field` ending with a non-empty assistant message.
void check_conversation(const std::vector<ChatMessage>& conv, const char* field, const std::string& source) {
  if (conv.back().role != "assistant")
    bad("last_message_not_assistant", source, field, "the last message must have role 'assistant', found '",
        conv.back().role, "'");
  check_response(conv.back().content, source, field);
}

// ---- messages through the model's chat template -----------------------------------------

/// `response` cut right after its last end-of-turn text (Qwen's "<|im_end|>\n" -> "<|im_end|>";
/// the extra assistant header Llama 3's base template writes after "<|eot_id|>" goes too): the
/// model stops generating there.
std::string cut_after_end_of_turn(const std::string& response, const std::string& end_of_turn) {
  if (end_of_turn.empty()) return response;
  const size_t at = response.rfind(end_of_turn);
  if (at == std::string::npos) return response;
  return response.substr(0, at + end_of_turn.size());
}

std::string render_or_bad(const ChatFormat& chat, const std::vector<ChatMessage>& messages, bool generation,
                          const std::string& source, const char* field) {
  try {
    return format_prompt(chat, messages, generation);
  } catch (const BadPairError&) {
    throw;
  } catch (const Error& e) {
    bad("template_error", source, field, e.what());
  }
}

/// The response text of `prompt` + `rest`: the full rendering minus the prompt's rendering
/// with the generation prompt (TRL's recipe). A full rendering that does not start with the
/// prompt's is an error, never a silent misalignment.
std::string templated_response(const ChatFormat& chat, const std::vector<ChatMessage>& prompt,
                               const std::string& prompt_text, const std::vector<ChatMessage>& rest,
                               const std::string& source, const char* field) {
  std::vector<ChatMessage> all = prompt;
  all.insert(all.end(), rest.begin(), rest.end());
  const std::string full = render_or_bad(chat, all, false, source, field);
  if (full.compare(0, prompt_text.size(), prompt_text) != 0) {
    const size_t n = std::min(full.size(), prompt_text.size());
    const size_t at = static_cast<size_t>(std::mismatch(full.begin(), full.begin() + n, prompt_text.begin()).first - full.begin());
    bad("prompt_not_prefix", source, field, "the chat template's rendering of the prompt (add_generation_prompt=true) ",
        "is not a prefix of its rendering of prompt + response: they differ at byte ", at, " (prompt has ",
        json(prompt_text.substr(at, 40)).dump(), ", full has ", json(full.substr(at, 40)).dump(), ")");
  }
  return cut_after_end_of_turn(full.substr(prompt_text.size()), chat.end_of_turn());
}

/// The conversational TRL shapes with a chat template: an explicit prompt, or the implicit
/// one (the longest message prefix chosen and rejected share); responses may be several
/// messages (multi-turn), the last an assistant one.
PreferencePair from_messages_templated(const json& line, const ChatFormat& chat, const std::string& source,
                                       const std::vector<ChatMessage>& chosen, const std::vector<ChatMessage>& rejected) {
  size_t shared = 0;
  if (line.contains("prompt")) {
    shared = prompt_messages(line, source).size();
  } else {
    while (shared < chosen.size() && shared < rejected.size() && same(chosen[shared], rejected[shared])) ++shared;
    if (shared == chosen.size() || shared == rejected.size())
      bad("identical_responses", source, "rejected", "one conversation is a prefix of the other: no response to compare");
  }
  const std::vector<ChatMessage> prompt(chosen.begin(), chosen.begin() + static_cast<long>(shared));
  if (prompt.empty()) bad("no_shared_prompt", source, "prompt", "no prompt messages (explicit or shared by chosen and rejected)");
  PreferencePair p;
  p.prompt = render_or_bad(chat, prompt, true, source, "prompt");
  p.chosen = templated_response(chat, prompt, p.prompt, {chosen.begin() + static_cast<long>(shared), chosen.end()}, source, "chosen");
  p.rejected = templated_response(chat, prompt, p.prompt, {rejected.begin() + static_cast<long>(shared), rejected.end()}, source, "rejected");
  check_response(p.chosen, source, "chosen");
  check_response(p.rejected, source, "rejected");
  check_distinct(p.chosen, p.rejected, source, "rejected");
  const std::string& eot = chat.end_of_turn();
  const auto closed = [&](const std::string& r) {
    return !eot.empty() && r.size() >= eot.size() && r.compare(r.size() - eot.size(), eot.size(), eot) == 0;
  };
  p.turn_closed = closed(p.chosen) && closed(p.rejected);
  return p;
}

PreferencePair from_messages(const json& line, const ChatFormat& chat, const std::string& source) {
  const std::vector<ChatMessage> prompt = prompt_messages(line, source);
  const auto chosen = conversation(prompt, line, "chosen", source);
  const auto rejected = conversation(prompt, line, "rejected", source);
  check_conversation(chosen, "chosen", source);
  check_conversation(rejected, "rejected", source);
  if (chat.kind() == ChatFormat::Kind::templated) return from_messages_templated(line, chat, source, chosen, rejected);
  const std::vector<ChatMessage> context(chosen.begin(), chosen.end() - 1);
  if (!(rejected.size() == chosen.size() && starts_with(rejected, context)))
    bad("no_shared_prompt", source, "rejected", "chosen and rejected must differ only in their last (assistant) message");
  check_distinct(chosen.back().content, rejected.back().content, source, "rejected");
  PreferencePair p;
  p.prompt = format_prompt(chat, context, true);
  p.chosen = close_response(chat, chosen.back().content);
  p.rejected = close_response(chat, rejected.back().content);
  return p;
}

// ---- plain strings ---------------------------------------------------------------------

PreferencePair from_strings(const json& line, const std::string& source) {
  PreferencePair p;
  p.prompt = string_field(line, "prompt", source);
  p.chosen = string_field(line, "chosen", source);
  p.rejected = string_field(line, "rejected", source);
  check_response(p.chosen, source, "chosen");
  check_response(p.rejected, source, "rejected");
  check_distinct(p.chosen, p.rejected, source, "rejected");
  return p;
}

// ---- HH-RLHF transcripts -----------------------------------------------------------------

/// Prompt = the shared prefix of both transcripts up to and including its last
/// "\n\nAssistant:"; responses = the remainders (each usually starting with a space, kept).
PreferencePair from_hh(const json& line, const std::string& source) {
  const std::string chosen = string_field(line, "chosen", source);
  const std::string rejected = string_field(line, "rejected", source);
  check_distinct(chosen, rejected, source, "rejected");
  const size_t common = static_cast<size_t>(
      std::mismatch(chosen.begin(), chosen.begin() + std::min(chosen.size(), rejected.size()), rejected.begin())
          .first - chosen.begin());
  const std::string marker = kAssistantTurn;
  const size_t at = common >= marker.size() ? chosen.rfind(marker, common - marker.size()) : std::string::npos;
  if (at == std::string::npos)
    bad("no_shared_prompt", source, "rejected", "chosen and rejected share no prefix ending in \"\\n\\nAssistant:\"",
        " (they differ from character ", common, ")");
  PreferencePair p;
  p.prompt = chosen.substr(0, at + marker.size());
  p.chosen = chosen.substr(p.prompt.size());
  p.rejected = rejected.substr(p.prompt.size());
  check_response(p.chosen, source, "chosen");
  check_response(p.rejected, source, "rejected");
  return p;
}

// ---- the seed's candidate sets -----------------------------------------------------------

}  // namespace

std::string candidate_text(const json& c, const std::string& source, const std::string& field) {
  if (c.is_string()) return c.get<std::string>();
  if (c.is_object()) {
    for (const char* key : {"text", "candidate", "response", "content"}) {
      auto it = c.find(key);
      if (it == c.end()) continue;
      if (!it->is_string()) bad("wrong_type", source, field + "." + key, "expected a string, found ", it->type_name());
      return it->get<std::string>();
    }
    bad("missing_field", source, field, "a candidate object needs a 'text' (or 'candidate', 'response', 'content') string");
  }
  bad("wrong_type", source, field, "expected a string or an object with 'text', found ", c.type_name());
}

namespace {

std::vector<PreferencePair> from_candidates(const json& line, const std::string& source,
                                            std::vector<BadPairError>* problems) {
  const std::string prompt = string_field(line, "model_input", source);
  const std::string gold = string_field(line, "better_context", source);
  check_response(gold, source, "better_context");
  const json& set = require(line, "candidate_set", source);
  if (!set.is_array()) bad("wrong_type", source, "candidate_set", "expected a list, found ", set.type_name());
  if (set.empty()) bad("no_candidates", source, "candidate_set", "the list is empty (no rejected response)");
  std::vector<PreferencePair> out;
  for (size_t i = 0; i < set.size(); ++i) {
    const std::string field = "candidate_set[" + std::to_string(i) + "]";
    try {
      PreferencePair p;
      p.prompt = prompt;
      p.chosen = gold;
      p.rejected = candidate_text(set[i], source, field);
      check_response(p.rejected, source, field);
      check_distinct(p.chosen, p.rejected, source, field);
      out.push_back(std::move(p));
    } catch (const BadPairError& e) {
      if (!problems) throw;
      problems->push_back(e);
    }
  }
  return out;
}

// ---- pre-tokenized ----------------------------------------------------------------------

std::vector<int32_t> id_field(const json& line, const char* field, const std::string& source) {
  const json& v = require(line, field, source);
  if (!v.is_array()) bad("wrong_type", source, field, "expected a list of token ids, found ", v.type_name());
  std::vector<int32_t> ids;
  ids.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    if (!v[i].is_number_integer()) bad("wrong_type", source, at, "expected an integer, found ", v[i].type_name());
    const long long id = v[i].get<long long>();
    if (id < 0 || id > INT32_MAX) bad("wrong_type", source, at, "token id must be in [0, 2^31), found ", id);
    ids.push_back(static_cast<int32_t>(id));
  }
  return ids;
}

PreferencePair from_ids(const json& line, const std::string& source) {
  PreferencePair p;
  p.pretokenized = true;
  p.prompt_ids = id_field(line, "prompt_ids", source);
  p.chosen_ids = id_field(line, "chosen_ids", source);
  p.rejected_ids = id_field(line, "rejected_ids", source);
  if (p.chosen_ids.empty()) bad("empty_response", source, "chosen_ids", "the response is empty");
  if (p.rejected_ids.empty()) bad("empty_response", source, "rejected_ids", "the response is empty");
  if (p.chosen_ids == p.rejected_ids)
    bad("identical_responses", source, "rejected_ids", "chosen and rejected responses are identical");
  return p;
}

std::string key_list(const json& line) {
  std::string keys;
  for (auto it = line.begin(); it != line.end(); ++it) keys += (keys.empty() ? "" : ", ") + it.key();
  return "[" + keys + "]";
}

}  // namespace

std::string pair_format_name(PairFormat format) {
  switch (format) {
    case PairFormat::automatic: return "auto";
    case PairFormat::prompt_chosen_rejected: return "prompt-chosen-rejected";
    case PairFormat::messages: return "messages";
    case PairFormat::hh_rlhf: return "hh-rlhf";
    case PairFormat::candidates: return "candidates";
    case PairFormat::ids: return "ids";
  }
  return "?";
}

PairFormat parse_pair_format(const std::string& name) {
  for (PairFormat f : {PairFormat::automatic, PairFormat::prompt_chosen_rejected, PairFormat::messages,
                       PairFormat::hh_rlhf, PairFormat::candidates, PairFormat::ids}) {
    if (pair_format_name(f) == name) return f;
  }
  fail("unknown pair format '", name, "' (expected auto, prompt-chosen-rejected, messages, hh-rlhf, candidates or ids)");
}

std::optional<PairFormat> detect_pair_format(const json& line) {
  if (!line.is_object()) return std::nullopt;
  if (line.contains("prompt_ids") || line.contains("chosen_ids") || line.contains("rejected_ids"))
    return PairFormat::ids;
  if (line.contains("candidate_set") || line.contains("model_input") || line.contains("better_context"))
    return PairFormat::candidates;
  if (!line.contains("chosen") || !line.contains("rejected")) return std::nullopt;
  if (line["chosen"].is_array() || line["rejected"].is_array()) return PairFormat::messages;
  if (line.contains("prompt")) return line["prompt"].is_array() ? PairFormat::messages : PairFormat::prompt_chosen_rejected;
  return PairFormat::hh_rlhf;
}

std::vector<PreferencePair> pairs_from_json(const json& line, PairFormat format, const ChatFormat& chat,
                                            const std::string& source, std::vector<BadPairError>* candidate_problems) {
  if (!line.is_object())
    throw BadPairError("not_an_object", source + ": expected a JSON object, found " + line.type_name());
  if (format == PairFormat::automatic) {
    auto detected = detect_pair_format(line);
    if (!detected)
      throw BadPairError("unknown_format", source + ": cannot tell the pair format from the keys " + key_list(line) +
                                               " (expected prompt/chosen/rejected, chosen/rejected, "
                                               "model_input/better_context/candidate_set, or prompt_ids/chosen_ids/rejected_ids)");
    format = *detected;
  }
  std::vector<PreferencePair> pairs;
  switch (format) {
    case PairFormat::prompt_chosen_rejected: pairs = {from_strings(line, source)}; break;
    case PairFormat::messages: pairs = {from_messages(line, chat, source)}; break;
    case PairFormat::hh_rlhf: pairs = {from_hh(line, source)}; break;
    case PairFormat::candidates: pairs = from_candidates(line, source, candidate_problems); break;
    case PairFormat::ids: pairs = {from_ids(line, source)}; break;
    case PairFormat::automatic: break;
  }
  for (auto& p : pairs) p.source = source;
  return pairs;
}

std::string close_response(const ChatFormat& chat, const std::string& response) {
  const std::string suffix = response_suffix(chat);
  const bool has = response.size() >= suffix.size() &&
                   response.compare(response.size() - suffix.size(), suffix.size(), suffix) == 0;
  return has ? response : response + suffix;
}

}  // namespace lpo
