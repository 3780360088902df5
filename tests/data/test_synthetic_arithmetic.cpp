#include <cstdlib>
#include <regex>

#include "data/synthetic_arithmetic.hpp"
#include "test_support.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

struct Worked {
  long a, b, result, answer;
  char op;
};

/// Parses " a op b = r. The answer is r." (checks both r agree).
Worked parse_worked(const std::string& text) {
  static const std::regex re(R"(^ ?(\d+) ([-+*]) (\d+) = (-?\d+)\. The answer is (-?\d+)\.(<\|im_end\|>)?$)");
  std::smatch m;
  EXPECT_TRUE(std::regex_match(text, m, re)) << text;
  if (m.empty()) return {};
  return {std::stol(m[1]), std::stol(m[3]), std::stol(m[4]), std::stol(m[5]), m[2].str()[0]};
}

long eval(long a, char op, long b) { return op == '+' ? a + b : op == '-' ? a - b : a * b; }

TEST(SyntheticArithmetic, ChosenIsRightRejectedIsWrong) {
  auto pairs = make_arithmetic_pairs(500, 7);
  ASSERT_EQ(pairs.size(), 500u);
  const std::regex question(R"(^Question: What is (\d+) ([-+*]) (\d+)\?\nAnswer:$)");
  int wrong_op = 0, off_by = 0;
  for (const auto& p : pairs) {
    std::smatch q;
    ASSERT_TRUE(std::regex_match(p.prompt, q, question)) << p.prompt;
    const long a = std::stol(q[1]), b = std::stol(q[3]);
    const char op = q[2].str()[0];
    const long right = eval(a, op, b);
    Worked c = parse_worked(p.chosen), r = parse_worked(p.rejected);
    EXPECT_EQ(c.result, right);
    EXPECT_EQ(c.answer, right);
    EXPECT_EQ(c.op, op);
    EXPECT_NE(r.answer, right) << p.rejected;
    EXPECT_EQ(r.a, a);
    EXPECT_EQ(r.b, b);
    if (r.op != op) {  // the wrong operation, carried out correctly
      ++wrong_op;
      EXPECT_EQ(r.result, eval(a, r.op, b)) << p.rejected;
    } else {  // the right operation, off by 1-3 or 10
      ++off_by;
      const long off = std::labs(r.result - right);
      EXPECT_TRUE(off == 1 || off == 2 || off == 3 || off == 10) << p.rejected;
    }
    if (op == '-') {
      EXPECT_GE(right, 0);
    }
    if (op == '*') {
      EXPECT_TRUE(a >= 2 && a <= 12 && b >= 2 && b <= 12);
    } else {
      EXPECT_TRUE(a >= 1 && a <= 50 && b >= 1 && b <= 50);
    }
  }
  EXPECT_GT(wrong_op, 100);  // both kinds of mistakes occur
  EXPECT_GT(off_by, 100);
}

TEST(SyntheticArithmetic, DeterministicPerSeed) {
  auto a = make_arithmetic_pairs(20, 42), b = make_arithmetic_pairs(20, 42), c = make_arithmetic_pairs(20, 43);
  int differ = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].prompt, b[i].prompt);
    EXPECT_EQ(a[i].rejected, b[i].rejected);
    differ += a[i].prompt != c[i].prompt;
  }
  EXPECT_GT(differ, 10);
  // Pinned: SplitMix64 is the same everywhere, so seed 1 gives these on every platform.
  auto p = make_arithmetic_problems(3, 1);
  std::string got;
  for (const auto& q : p) got += q.question() + " ";
  EXPECT_EQ(got, "What is 10 * 2? What is 9 * 3? What is 34 + 21? ");
}

TEST(SyntheticArithmetic, ChatmlAndSft) {
  ArithmeticOptions options;
  options.chat = ChatFormat::chatml;
  options.multiplication = false;
  auto pairs = make_arithmetic_pairs(5, 3, options);
  for (const auto& p : pairs) {
    EXPECT_EQ(p.prompt.rfind("<|im_start|>user\nWhat is ", 0), 0u) << p.prompt;
    EXPECT_NE(p.prompt.find("?<|im_end|>\n<|im_start|>assistant\n"), std::string::npos);
    EXPECT_EQ(p.chosen.substr(p.chosen.size() - 10), "<|im_end|>");
    EXPECT_EQ(p.prompt.find('*'), std::string::npos);
  }
  auto sft = make_arithmetic_sft(5, 3, options);
  ASSERT_EQ(sft.size(), 5u);
  EXPECT_EQ(sft[2].first, pairs[2].prompt);
  EXPECT_EQ(sft[2].second, pairs[2].chosen);
  EXPECT_EQ(make_arithmetic_sft(1, 9)[0].second.front(), ' ');  // plain: leading space

  ArithmeticProblem q{17, 25, '+'};
  EXPECT_EQ(q.question(), "What is 17 + 25?");
  EXPECT_EQ(q.worked('+', q.answer()), "17 + 25 = 42. The answer is 42.");
  EXPECT_THROW(make_arithmetic_pairs(-1, 0), Error);
}

}  // namespace
}  // namespace lpo
