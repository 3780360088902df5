// A synthetic, verifiable preference task for the demo: small arithmetic questions with a
// right worked answer (chosen) and a plausible wrong one (rejected).
//   prompt   "Question: What is 17 + 25?\nAnswer:"      (ChatFormat::plain)
//            format_prompt(chat, {user: "What is 17 + 25?"})   (other chat formats)
//   chosen   " 17 + 25 = 42. The answer is 42."      (plain: leading space; chatml: none,
//                                                      closed with "<|im_end|>")
//   rejected " 17 + 25 = 43. The answer is 43."      (off by 1-3 or 10)  or
//            " 17 - 25 = -8. The answer is -8."       (the wrong operation)
// Deterministic per seed on every platform (own generator, no std:: distributions).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/preference_pair.hpp"
#include "tokenizer/chat_format.hpp"

namespace lpo {

struct ArithmeticOptions {
  int max_operand = 50;       // + and -: operands in [1, max_operand]; *: in [2, 12]
  bool multiplication = true; // include "a * b" questions
  ChatFormat chat = ChatFormat::plain;
};

/// One question and its answer, exposed for tests and evaluation.
struct ArithmeticProblem {
  int a = 0, b = 0;
  char op = '+';  // '+', '-' or '*'
  long answer() const;
  std::string question() const;                   // "What is 17 + 25?"
  std::string worked(char shown_op, long result) const;  // "17 + 25 = 42. The answer is 42."
};

/// `n` problems drawn from `seed`.
std::vector<ArithmeticProblem> make_arithmetic_problems(int n, uint64_t seed, const ArithmeticOptions& options = {});

/// `n` preference pairs (source "synthetic-arithmetic:<i>"); chosen is right, rejected wrong.
/// Responses are closed with response_suffix(options.chat). Throws lpo::Error for n < 0 or
/// max_operand < 2.
std::vector<PreferencePair> make_arithmetic_pairs(int n, uint64_t seed, const ArithmeticOptions& options = {});

/// `n` (prompt, right answer) examples for supervised fine-tuning, same prompt format.
std::vector<std::pair<std::string, std::string>> make_arithmetic_sft(int n, uint64_t seed,
                                                                     const ArithmeticOptions& options = {});

}  // namespace lpo
