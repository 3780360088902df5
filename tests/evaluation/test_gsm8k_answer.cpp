// GSM8K answer extraction: one hand case per rule, then the real GSM8K gold solutions.
#include <algorithm>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "evaluation/gsm8k_answer.hpp"
#include "test_support.hpp"

namespace lpo::evaluation {
namespace {

using Opt = std::optional<std::string>;

std::vector<std::string> span_texts(const std::string& text) {
  std::vector<std::string> out;
  for (const NumberSpan& s : number_spans(text)) out.push_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

using Texts = std::vector<std::string>;

TEST(Gsm8kNumbers, TokensFollowTheGrammar) {
  EXPECT_EQ(span_texts("16-3=13"), (Texts{"16", "3", "13"}));           // '-' glued to a digit is not a sign
  EXPECT_EQ(span_texts("x = -3 and +4"), (Texts{"-3", "+4"}));          // free-standing signs are kept
  EXPECT_EQ(span_texts("COVID-19"), (Texts{"19"}));
  EXPECT_EQ(span_texts("paid $1,234.50 today"), (Texts{"$1,234.50"}));  // '$', thousands, decimals
  EXPECT_EQ(span_texts("-$5"), (Texts{"-$5"}));
  EXPECT_EQ(span_texts("list 1,2,3"), (Texts{"1", "2", "3"}));          // a comma needs 3 digits after it
  EXPECT_EQ(span_texts("1234,567"), (Texts{"1234", "567"}));            // groups only after 1-3 digits
  EXPECT_EQ(span_texts("it is 18."), (Texts{"18"}));                    // sentence period is not a decimal
  EXPECT_EQ(span_texts("take .5 cup"), (Texts{".5"}));
  EXPECT_EQ(span_texts("3/4 of 12/25/2020"), (Texts{"3/4", "12/25", "2020"}));
  EXPECT_EQ(span_texts("50% of x2"), (Texts{"50", "2"}));
  EXPECT_EQ(span_texts("<<16-3-4=9>>9 eggs"), (Texts{"16", "3", "4", "9", "9"}));
  EXPECT_TRUE(span_texts("no numbers, $ or - here.").empty());
}

TEST(Gsm8kNumbers, NormalizeStripsDecorations) {
  EXPECT_EQ(normalize_number("1,000"), Opt("1000"));
  EXPECT_EQ(normalize_number("1,450,000"), Opt("1450000"));
  EXPECT_EQ(normalize_number("$18"), Opt("18"));
  EXPECT_EQ(normalize_number("18.0"), Opt("18"));
  EXPECT_EQ(normalize_number("18.00"), Opt("18"));
  EXPECT_EQ(normalize_number("  18 \n"), Opt("18"));
  EXPECT_EQ(normalize_number("18."), Opt("18"));
  EXPECT_EQ(normalize_number("+18"), Opt("18"));
  EXPECT_EQ(normalize_number("007"), Opt("7"));
  EXPECT_EQ(normalize_number("$1,234.50"), Opt("1234.5"));
}

TEST(Gsm8kNumbers, NormalizeSignsDecimalsAndFractions) {
  EXPECT_EQ(normalize_number("-10"), Opt("-10"));
  EXPECT_EQ(normalize_number("-$5"), Opt("-5"));
  EXPECT_EQ(normalize_number("$-5"), Opt("-5"));
  EXPECT_EQ(normalize_number("-0.0"), Opt("0"));
  EXPECT_EQ(normalize_number("0.5"), Opt("0.5"));
  EXPECT_EQ(normalize_number(".5"), Opt("0.5"));
  EXPECT_EQ(normalize_number("1/2"), Opt("0.5"));
  EXPECT_EQ(normalize_number("6/4"), Opt("1.5"));
  EXPECT_EQ(normalize_number("-3/8"), Opt("-0.375"));
  EXPECT_EQ(normalize_number("10/5"), Opt("2"));
  EXPECT_EQ(normalize_number("2/6"), Opt("1/3"));  // non-terminating: reduced fraction
  EXPECT_EQ(normalize_number("0/7"), Opt("0"));
  // Arbitrary length decimals keep every digit.
  EXPECT_EQ(normalize_number("123456789012345678901234567890.10"), Opt("123456789012345678901234567890.1"));
}

TEST(Gsm8kNumbers, NormalizeRejectsNonNumbers) {
  for (const char* bad : {"", "  ", "abc", "50%", "1.2.3", "--5", "1/0", "1/", "/2", "1.5/2", "$", "-", ".",
                          "5 apples", "1e5", "1234567890123456789/2"})
    EXPECT_EQ(normalize_number(bad), std::nullopt) << bad;
}

TEST(Gsm8kNumbers, NormalizeIsIdempotent) {
  for (const char* s : {"1,000", "-0.50", "2/6", "-3/8", "$7", ".25"}) {
    const auto once = normalize_number(s);
    ASSERT_TRUE(once) << s;
    EXPECT_EQ(normalize_number(*once), once) << s;
  }
}

TEST(Gsm8kExtract, StrictTakesTheNumberAfterHashes) {
  EXPECT_EQ(extract_strict("She makes 9 * 2 = $<<9*2=18>>18 every day.\n#### 18"), Opt("18"));
  EXPECT_EQ(extract_strict("...\n#### 1,450,000"), Opt("1450000"));
  EXPECT_EQ(extract_strict("#### -10"), Opt("-10"));
  EXPECT_EQ(extract_strict("#### $18.00."), Opt("18"));    // '$' and ".00" tolerated (harness: no '$')
  EXPECT_EQ(extract_strict("####7"), Opt("7"));             // spaces optional
  EXPECT_EQ(extract_strict("#### x\n#### 7\n#### 8"), Opt("7"));  // the first "####" with a number
  EXPECT_EQ(extract_strict("the answer is 18"), std::nullopt);
  EXPECT_EQ(extract_strict("#### eighteen"), std::nullopt);
}

TEST(Gsm8kExtract, FlexibleTakesTheLastNumber) {
  EXPECT_EQ(extract_flexible("16 - 3 = 13 eggs, so 13 * 2 = 26.\nA: 26"), Opt("26"));
  EXPECT_EQ(extract_flexible("He has 1,200 dollars."), Opt("1200"));
  EXPECT_EQ(extract_flexible("It drops to -4 degrees"), Opt("-4"));
  EXPECT_EQ(extract_flexible("half: 1/2"), Opt("0.5"));
  EXPECT_EQ(extract_flexible("1/0"), std::nullopt);  // a token that is not a number is passed over
  EXPECT_EQ(extract_flexible("3 then 1/0"), Opt("3"));
  EXPECT_EQ(extract_flexible("I don't know."), std::nullopt);
}

TEST(Gsm8kExtract, AnswerIsPhrase) {
  EXPECT_EQ(extract_answer_is("So the answer is 42."), Opt("42"));
  EXPECT_EQ(extract_answer_is("The final answer is: $1,200.50 total"), Opt("1200.5"));
  EXPECT_EQ(extract_answer_is("THE ANSWER IS 7 apples and 3 pears"), Opt("7"));  // first number after it
  EXPECT_EQ(extract_answer_is("The answer is 5. Wait, the answer is 6."), Opt("6"));  // last phrase
  EXPECT_EQ(extract_answer_is("The answer is 5.\nthe answer is\n9"), Opt("5"));  // same line only
  EXPECT_EQ(extract_answer_is("The answer is \\boxed{12}"), Opt("12"));
  EXPECT_EQ(extract_answer_is("no phrase 5"), std::nullopt);
}

TEST(Gsm8kExtract, BoxedContent) {
  EXPECT_EQ(extract_boxed("so $\\boxed{18}$"), Opt("18"));
  EXPECT_EQ(extract_boxed("\\boxed{\\frac{1}{2}}"), Opt("0.5"));
  EXPECT_EQ(extract_boxed("\\boxed{-\\dfrac{3}{4}}"), Opt("-0.75"));
  EXPECT_EQ(extract_boxed("\\boxed{\\$1,000}"), Opt("1000"));
  EXPECT_EQ(extract_boxed("\\boxed{18 \\text{ dollars}}"), Opt("18"));
  EXPECT_EQ(extract_boxed("\\boxed{1\\,000}"), Opt("1000"));  // thin space dropped
  EXPECT_EQ(extract_boxed("\\boxed{3} no, \\boxed{4}"), Opt("4"));  // last box
  EXPECT_EQ(extract_boxed("\\fbox{9}"), Opt("9"));
  EXPECT_EQ(extract_boxed("\\boxed{12"), std::nullopt);  // unbalanced
  EXPECT_EQ(extract_boxed("\\boxed{x}"), std::nullopt);
}

TEST(Gsm8kExtract, AnswerPrecedence) {
  EXPECT_EQ(extract_answer("The answer is 6\n#### 5"), Opt("5"));             // strict first
  EXPECT_EQ(extract_answer("\\boxed{7}. The answer is 6. Then 9"), Opt("6"));  // then "answer is"
  EXPECT_EQ(extract_answer("\\boxed{7} and later 8"), Opt("7"));              // then boxed
  EXPECT_EQ(extract_answer("3 + 4 = 7 and 8"), Opt("8"));                     // else the last number
  EXPECT_EQ(extract_answer("#### none\nThe answer is x\n 12 and 13"), Opt("13"));
  EXPECT_EQ(extract_answer("nothing"), std::nullopt);
}

TEST(Gsm8kMatch, ComparesNumbersExactly) {
  EXPECT_TRUE(answers_match("1,000", "1000.00"));
  EXPECT_TRUE(answers_match("$18", "18."));
  EXPECT_TRUE(answers_match("0.5", "1/2"));
  EXPECT_TRUE(answers_match(".5", "0.50"));
  EXPECT_TRUE(answers_match("-0", "0"));
  EXPECT_FALSE(answers_match("5", "6"));
  EXPECT_FALSE(answers_match("-5", "5"));
  EXPECT_FALSE(answers_match("0.333", "1/3"));
  EXPECT_FALSE(answers_match("5", "five"));
  EXPECT_TRUE(answers_match(" yes.", "yes"));  // non-numbers: trimmed strings
  EXPECT_FALSE(answers_match("", ""));
}

TEST(Gsm8kMatch, VerifierJudgesCandidates) {
  EXPECT_TRUE(is_correct("9 eggs * $2 = $18\nA: 18", "18"));
  EXPECT_TRUE(is_correct("The answer is $18.00.", "18"));
  EXPECT_FALSE(is_correct("so 26\nA: 26", "18"));
  EXPECT_FALSE(is_correct("I cannot solve this.", "18"));  // no answer counts as wrong
  EXPECT_FALSE(is_correct("", "18"));
}

/// The question/answer rows of a GSM8K split.
std::vector<nlohmann::json> read_split(const std::string& rel) {
  std::ifstream in(test::shared_path(rel));
  std::vector<nlohmann::json> rows;
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

/// Gold answers as generations score 100% strict and flexible; the strict answer equals the
/// text after the last "#### " with ',' removed (the harness's own cleaning).
void expect_gold_scores_perfectly(const std::string& rel, size_t expected_rows) {
  const auto rows = read_split(rel);
  ASSERT_EQ(rows.size(), expected_rows);
  size_t strict = 0, flexible = 0, answer = 0;
  for (const auto& row : rows) {
    const std::string solution = row["answer"].get<std::string>();
    std::string raw = solution.substr(solution.rfind("#### ") + 5);
    raw.erase(std::remove(raw.begin(), raw.end(), ','), raw.end());
    const auto gold = extract_strict(solution);
    ASSERT_TRUE(gold) << solution;
    EXPECT_EQ(*gold, raw) << solution;
    strict += is_correct(solution, raw);
    flexible += extract_flexible(solution) == gold;
    answer += extract_answer(solution) == gold;
  }
  std::cout << rel << ": " << rows.size() << " gold solutions, strict " << strict << ", flexible " << flexible
            << ", extract_answer " << answer << "\n";
  EXPECT_EQ(strict, rows.size());
  EXPECT_EQ(flexible, rows.size());
  EXPECT_EQ(answer, rows.size());
}

TEST(Gsm8kRealData, TestGoldAnswersScorePerfectly) {
  LPO_REQUIRE_SHARED("data/gsm8k/test.jsonl");
  expect_gold_scores_perfectly("data/gsm8k/test.jsonl", 1319);
}

TEST(Gsm8kRealData, TrainGoldAnswersScorePerfectly) {
  LPO_REQUIRE_SHARED("data/gsm8k/train.jsonl");
  expect_gold_scores_perfectly("data/gsm8k/train.jsonl", 7473);
}

}  // namespace
}  // namespace lpo::evaluation
