#include "evaluation/gsm8k_eval.hpp"

#include "evaluation/gsm8k_answer.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/jsonl.hpp"
#include "util/progress.hpp"
#include "util/stop_signal.hpp"

namespace lpo::evaluation {
namespace {

std::optional<std::string> first_string(const nlohmann::json& j, std::initializer_list<const char*> keys) {
  for (const char* k : keys)
    if (j.contains(k) && j[k].is_string()) return j[k].get<std::string>();
  return std::nullopt;
}

std::string cut_at_stops(std::string text, const std::vector<std::string>& stops) {
  for (const auto& s : stops) {
    const size_t at = s.empty() ? std::string::npos : text.find(s);
    if (at != std::string::npos) text.resize(at);
  }
  return text;
}

}  // namespace

std::vector<Gsm8kItem> read_gsm8k(const std::string& path, long limit) {
  std::vector<Gsm8kItem> items;
  for_each_json_line(path, [&](const nlohmann::json& j, long line) {
    if (limit > 0 && static_cast<long>(items.size()) >= limit) return;
    const std::string where = path + ":" + std::to_string(line);
    check(j.is_object(), where, ": expected a JSON object");
    auto question = first_string(j, {"question", "prompt", "model_input"});
    auto solution = first_string(j, {"answer", "ground_truth", "better_context", "reference"});
    check(question.has_value(), where, ": no question: expected a string field 'question', 'prompt' or 'model_input'");
    check(solution.has_value(), where,
          ": no gold solution: expected a string field 'answer', 'ground_truth', 'better_context' or 'reference'");
    auto gold = extract_strict(*solution);
    if (!gold) gold = extract_answer(*solution);
    check(gold.has_value(), where, ": the gold solution holds no number");
    items.push_back({*question, *solution, *gold, j, where});
  });
  return items;
}

Gsm8kResult score_generation(const Gsm8kItem& item, const std::string& generation) {
  Gsm8kResult r;
  r.strict = extract_strict(generation);
  r.flexible = extract_flexible(generation);
  r.strict_correct = r.strict && answers_match(*r.strict, item.gold);
  r.flexible_correct = r.flexible && answers_match(*r.flexible, item.gold);
  r.verified_correct = is_correct(generation, item.gold);
  return r;
}

std::string gsm8k_prompt(const Gsm8kItem& item, const Gsm8kOptions& o) {
  if (o.num_fewshot <= 0) return format_prompt(o.chat, {{"user", item.question}});
  check(static_cast<int>(o.fewshot.size()) >= o.num_fewshot, "--num-fewshot ", o.num_fewshot, " needs ",
        o.num_fewshot, " solved examples, found ", o.fewshot.size());
  std::string text;
  for (int k = 0; k < o.num_fewshot; ++k)
    text += "Question: " + o.fewshot[static_cast<size_t>(k)].question + "\nAnswer: " +
            o.fewshot[static_cast<size_t>(k)].solution + "\n\n";
  return text + "Question: " + item.question + "\nAnswer:";
}

nlohmann::json Gsm8kReport::summary() const {
  return {{"task", "gsm8k"}, {"n", n}, {"strict", strict}, {"flexible", flexible}, {"verified", verified}};
}

Gsm8kReport score_gsm8k(const std::vector<Gsm8kItem>& items, const std::vector<std::string>& generations) {
  check(items.size() == generations.size(), "gsm8k scoring: ", items.size(), " problems but ", generations.size(),
        " generations");
  check(!items.empty(), "gsm8k scoring: no problems");
  Gsm8kReport report;
  report.n = static_cast<long>(items.size());
  report.generations = generations;
  long strict = 0, flexible = 0, verified = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    Gsm8kResult r = score_generation(items[i], generations[i]);
    strict += r.strict_correct;
    flexible += r.flexible_correct;
    verified += r.verified_correct;
    report.results.push_back(std::move(r));
  }
  const double n = static_cast<double>(report.n);
  report.strict = static_cast<double>(strict) / n;
  report.flexible = static_cast<double>(flexible) / n;
  report.verified = static_cast<double>(verified) / n;
  return report;
}

Gsm8kReport evaluate_gsm8k(const Transformer& model, const Tokenizer& tokenizer, const std::vector<Gsm8kItem>& items,
                           const Gsm8kOptions& o) {
  std::vector<std::string> generations;
  ProgressBar bar(static_cast<int64_t>(items.size()), "eval gsm8k", o.progress);
  const size_t chunk = static_cast<size_t>(std::max(1, o.generate.batch_size));
  for (size_t start = 0; start < items.size(); start += chunk) {
    throw_if_stopped("eval, after " + std::to_string(start) + " of " + std::to_string(items.size()) +
                     " problems; nothing was written");
    std::vector<std::vector<int32_t>> prompts;
    for (size_t i = start; i < std::min(items.size(), start + chunk); ++i) {
      prompts.push_back(tokenizer.encode(gsm8k_prompt(items[i], o)));
      check(!prompts.back().empty(), items[i].source, ": the prompt encodes to no tokens");
    }
    for (const auto& ids : generate(model, prompts, o.generate))
      generations.push_back(cut_at_stops(tokenizer.decode(ids, /*skip_special=*/true), o.stop_strings));
    bar.update(static_cast<int64_t>(generations.size()));
  }
  return score_gsm8k(items, generations);
}

void write_gsm8k_results(const std::string& path, const std::vector<Gsm8kItem>& items, const Gsm8kReport& report) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    const Gsm8kResult& r = report.results[i];
    nlohmann::json line = {{"index", i},
                           {"question", items[i].question},
                           {"gold", items[i].gold},
                           {"generation", report.generations[i]},
                           {"strict_answer", r.strict ? nlohmann::json(*r.strict) : nlohmann::json(nullptr)},
                           {"flexible_answer", r.flexible ? nlohmann::json(*r.flexible) : nlohmann::json(nullptr)},
                           {"strict_correct", r.strict_correct},
                           {"flexible_correct", r.flexible_correct},
                           {"verified_correct", r.verified_correct}};
    out += line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  }
  write_file_atomic(path, out);
}

}  // namespace lpo::evaluation
