// A synthetic multi-step word-problem task in GSM8K's format, for reproducing the paper's
// math experiment on 2 CPU cores: verifiable answers, a closed word vocabulary (short
// sequences with the word-level tokenizer below), difficulty set by steps and operand range.
//
//   question  "Mia has 12 pens. She buys 5 more. She gives away 7. How many pens does Mia
//              have now?"
//   answer    "12 + 5 = 17\n17 - 7 = 10\n#### 10"
//
// Each step gains or loses a number of items (never going below zero); the solution writes
// one equation per step and ends with "#### N" as GSM8K does. Deterministic per seed on every
// platform (SplitMix64, no std:: distributions).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lpo {

struct MathTaskOptions {
  int min_steps = 2, max_steps = 3;  // operations after the starting amount
  int max_operand = 50;              // amounts in [1, max_operand]
};

struct MathProblem {
  std::string question, answer;  // GSM8K field names: the worked solution is "answer"
  long result = 0;
};

/// `n` problems from `seed`, none of whose question is in `exclude` (so a test split drawn
/// with another seed never repeats a training question; within one call questions may repeat,
/// as they are drawn independently). Throws lpo::Error for n < 0,
/// max_operand < 1 or 1 > min_steps > max_steps.
std::vector<MathProblem> make_math_problems(int n, uint64_t seed, const MathTaskOptions& options = {},
                                            const std::vector<MathProblem>& exclude = {});

/// {"question": ..., "answer": ...} per problem.
nlohmann::json math_problem_json(const MathProblem& problem);

/// Every word and symbol the generator writes, as tokenizer words (byte_level_tokenizer_json):
/// " word" forms, the sentence-initial forms, " 0".." 9", "####". With them a question is
/// ~20 tokens and a 3-step solution ~25.
std::vector<std::string> math_task_words();

}  // namespace lpo
