// GSM8K-style accuracy (`lpo eval --task gsm8k`): greedy generation per question, the answer
// extracted as lm-evaluation-harness reports it (strict "#### N" and flexible last number,
// gsm8k_answer.hpp), plus our verifier's verdict (the rule `select-pairs` uses).
#pragma once
#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "generation/generate.hpp"
#include "tokenizer/chat_format.hpp"
#include "tokenizer/tokenizer.hpp"

namespace lpo::evaluation {

/// One problem: the question and its gold worked solution (ending "#### N" in GSM8K).
struct Gsm8kItem {
  std::string question, solution;
  std::string gold;        // the normalised gold number
  nlohmann::json line;     // the input line (for --generations-field)
  std::string source;      // "file:line"
};

/// Reads problems: `question` (or `prompt`/`model_input`) and the gold solution in `answer`,
/// `ground_truth`, `better_context` or `reference`; the gold number is extract_strict of it,
/// else extract_answer. Reads at most `limit` problems (0: all). Throws lpo::Error
/// "file:line: ..." for a line without a question or a gold number.
std::vector<Gsm8kItem> read_gsm8k(const std::string& path, long limit = 0);

/// Verdicts on one generation.
struct Gsm8kResult {
  std::optional<std::string> strict, flexible;  // extracted answers (normalised)
  bool strict_correct = false, flexible_correct = false, verified_correct = false;
};
Gsm8kResult score_generation(const Gsm8kItem& item, const std::string& generation);

struct Gsm8kOptions {
  ChatFormat chat = ChatFormat::plain;  // how the question becomes the prompt (as sample/SFT)
  int num_fewshot = 0;                  // k solved examples before the question
  std::vector<Gsm8kItem> fewshot;       // where they come from (the first k)
  GenerateOptions generate;             // greedy by default; stop ids = the model's EOS
  std::vector<std::string> stop_strings;
  bool progress = true;
};

/// The prompt text for `item`: zero-shot, the question formatted as `lpo sample` and SFT do;
/// k-shot, lm-evaluation-harness's layout "Question: q\nAnswer: a\n\n" × k, then
/// "Question: q\nAnswer:".
std::string gsm8k_prompt(const Gsm8kItem& item, const Gsm8kOptions& options);

struct Gsm8kReport {
  long n = 0;
  double strict = 0, flexible = 0, verified = 0;  // accuracies in [0, 1]
  std::vector<std::string> generations;
  std::vector<Gsm8kResult> results;
  nlohmann::json summary() const;
};

/// Scores given generations (one per item), for checking the scorer or scoring another
/// system's outputs. Throws lpo::Error when the counts differ.
Gsm8kReport score_gsm8k(const std::vector<Gsm8kItem>& items, const std::vector<std::string>& generations);

/// Generates an answer per item with `model` (greedy unless options say otherwise), cuts it at
/// the first stop string, and scores it.
Gsm8kReport evaluate_gsm8k(const Transformer& model, const Tokenizer& tokenizer, const std::vector<Gsm8kItem>& items,
                           const Gsm8kOptions& options);

/// Writes one JSON line per item: question, gold, generation, extracted answers, verdicts.
void write_gsm8k_results(const std::string& path, const std::vector<Gsm8kItem>& items, const Gsm8kReport& report);

}  // namespace lpo::evaluation
