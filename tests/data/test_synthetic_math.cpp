// The synthetic GSM8K-format task: each solution's equations are right and chain, the answer
// line is GSM8K's, splits do not overlap, and the word-level tokenizer keeps sequences short.
#include <regex>
#include <set>

#include "data/synthetic_math.hpp"
#include "test_support.hpp"
#include "tokenizer/byte_level_vocab.hpp"
#include "tokenizer/tokenizer.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo {

TEST(SyntheticMath, SolutionsAreCorrectChainsEndingInTheAnswer) {
  MathTaskOptions o;
  auto problems = make_math_problems(300, 42, o);
  const std::regex eq(R"((\d+) ([+-]) (\d+) = (\d+))");
  for (const auto& p : problems) {
    std::smatch m;
    std::string rest = p.answer;
    long previous = -1, steps = 0;
    while (std::regex_search(rest, m, eq)) {
      const long a = std::stol(m[1]), b = std::stol(m[3]), c = std::stol(m[4]);
      EXPECT_EQ(m[2] == "+" ? a + b : a - b, c) << p.answer;
      if (previous >= 0) EXPECT_EQ(a, previous) << p.answer;  // each step starts from the last result
      EXPECT_GE(c, 0);
      EXPECT_LE(b, o.max_operand);
      previous = c;
      ++steps;
      rest = m.suffix();
    }
    EXPECT_GE(steps, o.min_steps);
    EXPECT_LE(steps, o.max_steps);
    EXPECT_EQ(p.result, previous);
    EXPECT_EQ(p.answer.substr(p.answer.rfind('\n') + 1), "#### " + std::to_string(p.result));
    EXPECT_NE(p.question.find(std::to_string(std::stol(p.answer))), std::string::npos);  // starting amount
  }
}

TEST(SyntheticMath, SeededAndSplitsDoNotOverlap) {
  auto a = make_math_problems(50, 7), b = make_math_problems(50, 7);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].question, b[i].question);
  MathTaskOptions narrow;
  narrow.max_operand = 3;
  narrow.min_steps = narrow.max_steps = 1;
  auto train = make_math_problems(100, 1, narrow);
  std::set<std::string> seen;
  for (const auto& p : train) seen.insert(p.question);
  for (const auto& p : make_math_problems(20, 2, narrow, train)) EXPECT_FALSE(seen.count(p.question)) << p.question;
  // One step, amounts of 1: 8 names x 8 items x 8 verbs = 512 questions, all drawn below.
  narrow.max_operand = 1;
  auto all = make_math_problems(10000, 4, narrow);
  EXPECT_THROW(make_math_problems(1, 5, narrow, all), Error);  // nothing left outside the exclusion
}

TEST(SyntheticMath, WordTokenizerKeepsSequencesShortAndRoundTrips) {
  const std::string dir = test::temp_dir("tok");
  write_file_atomic(dir + "/tokenizer.json", byte_level_tokenizer_json({"<|endoftext|>"}, math_task_words()).dump());
  auto tokenizer = load_tokenizer(dir);
  auto problems = make_math_problems(100, 9);
  size_t longest = 0;
  for (const auto& p : problems) {
    for (const auto* text : {&p.question, &p.answer}) {
      auto ids = tokenizer->encode(*text);
      EXPECT_EQ(tokenizer->decode(ids), *text);
      longest = std::max(longest, ids.size());
    }
  }
  EXPECT_LE(longest, 48u);
  // "Mia has 12 pens." -> Mia, " has", " 1", "2", " pens", "."
  EXPECT_EQ(tokenizer->encode("Mia has 12 pens.").size(), 6u);
}

}  // namespace lpo
