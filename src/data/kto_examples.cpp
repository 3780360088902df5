#include "data/kto_examples.hpp"

#include <nlohmann/json.hpp>

#include "util/error.hpp"
#include "util/jsonl.hpp"

namespace lpo {
namespace {

std::string text_field(const nlohmann::json& j, const char* name, const std::string& where) {
  auto it = j.find(name);
  check(it != j.end(), where, ": missing field '", name, "'");
  check(it->is_string(), where, ": field '", name, "': expected a string, found ", it->type_name(),
        " (conversational KTO data: render the messages to text first)");
  return it->get<std::string>();
}

}  // namespace

bool is_kto_file(const std::string& path) {
  LineReader reader(path);
  std::string text;
  while (reader.next(text)) {
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    return j.is_object() && j.contains("completion") && j.contains("label");
  }
  return false;
}

std::vector<KtoExample> read_kto_examples(const std::string& path) {
  std::vector<KtoExample> out;
  LineReader reader(path);
  std::string text;
  while (reader.next(text)) {
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(reader.line_number());
    nlohmann::json j = parse_json_line(text, path, reader.line_number());
    check(j.is_object(), where, ": expected a JSON object, found ", j.type_name());
    KtoExample e;
    e.prompt = j.contains("prompt") ? text_field(j, "prompt", where) : "";
    e.completion = text_field(j, "completion", where);
    check(!e.completion.empty(), where, ": field 'completion' is empty");
    auto label = j.find("label");
    check(label != j.end(), where, ": missing field 'label'");
    check(label->is_boolean(), where, ": field 'label': expected true or false, found ", label->dump());
    e.desirable = label->get<bool>();
    e.source = where;
    out.push_back(std::move(e));
  }
  check(!out.empty(), path, ": no KTO examples");
  return out;
}

KtoTokens encode_kto_examples(const std::vector<KtoExample>& examples, const Tokenizer& tokenizer,
                              const EncodeOptions& options, int64_t kl_batch, EncodeReport* report) {
  check(kl_batch >= 1, "KTO: the KL batch size must be >= 1, got ", kl_batch);
  KtoTokens out;
  const int64_t n = static_cast<int64_t>(examples.size());
  for (int64_t start = 0; start < n; start += kl_batch) {
    const int64_t end = std::min(n, start + kl_batch);
    for (int64_t i = start; i < end; ++i) {
      const KtoExample& e = examples[static_cast<size_t>(i)];
      const KtoExample& kl = examples[static_cast<size_t>(i == start ? end - 1 : i - 1)];
      PreferencePair pair;
      pair.prompt = e.prompt, pair.chosen = e.completion, pair.rejected = kl.completion, pair.source = e.source;
      std::optional<PairTokens> tokens = encode_pair(pair, &tokenizer, options, report);
      if (!tokens) continue;
      out.pairs.push_back(std::move(*tokens));
      out.desirable.push_back(e.desirable);
    }
  }
  return out;
}

}  // namespace lpo
