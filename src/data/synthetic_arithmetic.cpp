#include "data/synthetic_arithmetic.hpp"

#include <utility>

#include "data/pair_formats.hpp"
#include "data/splitmix64.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

using Rng = SplitMix64;

long apply(char op, long a, long b) { return op == '+' ? a + b : op == '-' ? a - b : a * b; }

ArithmeticProblem draw_problem(Rng& rng, const ArithmeticOptions& options) {
  ArithmeticProblem p;
  const int ops = options.multiplication ? 3 : 2;
  p.op = "+-*"[rng.uniform(0, ops - 1)];
  const long hi = p.op == '*' ? 12 : options.max_operand;
  const long lo = p.op == '*' ? 2 : 1;
  p.a = static_cast<int>(rng.uniform(lo, hi));
  p.b = static_cast<int>(rng.uniform(lo, hi));
  if (p.op == '-' && p.a < p.b) std::swap(p.a, p.b);  // keep results non-negative
  return p;
}

/// A wrong worked answer: half the time the right operation off by 1-3 or 10, else the
/// wrong operation (+ <-> -, * -> +). Never equal to the right result.
std::string wrong_answer(Rng& rng, const ArithmeticProblem& p) {
  const long right = p.answer();
  if (rng.uniform(0, 1) == 0) {
    const char swapped = p.op == '+' ? '-' : '+';
    const long result = apply(swapped, p.a, p.b);
    if (result != right) return p.worked(swapped, result);
  }
  static const long deltas[] = {-10, -3, -2, -1, 1, 2, 3, 10};
  long delta = deltas[rng.uniform(0, 7)];
  if (right + delta < 0) delta = -delta;
  return p.worked(p.op, right + delta);
}

// Plain text has no turn markers, so the prompt frames the answer itself and the response
// starts with a space (as in HH-RLHF's "\n\nAssistant: ..."); chat formats frame the turns.
std::string prompt_text(const ArithmeticProblem& p, ChatFormat chat) {
  if (chat == ChatFormat::plain) return "Question: " + p.question() + "\nAnswer:";
  return format_prompt(chat, {ChatMessage{"user", p.question()}}, true);
}

std::string response_text(ChatFormat chat, const std::string& answer) {
  return close_response(chat, chat == ChatFormat::plain ? " " + answer : answer);
}

}  // namespace

long ArithmeticProblem::answer() const { return apply(op, a, b); }

std::string ArithmeticProblem::question() const {
  return "What is " + std::to_string(a) + " " + op + " " + std::to_string(b) + "?";
}

std::string ArithmeticProblem::worked(char shown_op, long result) const {
  const std::string r = std::to_string(result);
  return std::to_string(a) + " " + shown_op + " " + std::to_string(b) + " = " + r + ". The answer is " + r + ".";
}

std::vector<ArithmeticProblem> make_arithmetic_problems(int n, uint64_t seed, const ArithmeticOptions& options) {
  check(n >= 0, "synthetic arithmetic: n must be >= 0, found ", n);
  check(options.max_operand >= 2, "synthetic arithmetic: max_operand must be >= 2, found ", options.max_operand);
  Rng rng(seed);
  std::vector<ArithmeticProblem> out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) out.push_back(draw_problem(rng, options));
  return out;
}

std::vector<PreferencePair> make_arithmetic_pairs(int n, uint64_t seed, const ArithmeticOptions& options) {
  const auto problems = make_arithmetic_problems(n, seed, options);
  Rng rng(seed ^ 0x5EEDF00DULL);  // a second stream for the wrong answers
  std::vector<PreferencePair> out;
  out.reserve(problems.size());
  for (size_t i = 0; i < problems.size(); ++i) {
    const ArithmeticProblem& p = problems[i];
    PreferencePair pair;
    pair.prompt = prompt_text(p, options.chat);
    pair.chosen = response_text(options.chat, p.worked(p.op, p.answer()));
    pair.rejected = response_text(options.chat, wrong_answer(rng, p));
    pair.source = "synthetic-arithmetic:" + std::to_string(i);
    out.push_back(std::move(pair));
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> make_arithmetic_sft(int n, uint64_t seed,
                                                                     const ArithmeticOptions& options) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : make_arithmetic_problems(n, seed, options))
    out.emplace_back(prompt_text(p, options.chat), response_text(options.chat, p.worked(p.op, p.answer())));
  return out;
}

}  // namespace lpo
