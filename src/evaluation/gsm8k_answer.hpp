// GSM8K answer extraction and comparison (torch-free).
//
// Extraction follows EleutherAI lm-evaluation-harness's gsm8k task: "strict-match" takes the
// number after "#### " (regex `#### (\-?[0-9\.\,]+)`), "flexible-extract" the last number in
// the text (regex `(-?[$0-9.,]{2,})|(-?[0-9]+)`, last match); both are then compared after
// removing ",", "$" and a trailing ".". We add "answer is N" and "\boxed{N}" (math-style
// solutions) and compare numbers exactly (canonical decimal strings), not as raw text.
//
// A number token (number_spans) is: an optional sign ('-' or '+', only when not glued to a
// preceding letter, digit or closing bracket: "16-3" is 16 and 3, "= -3" is -3), an optional
// '$', then digits with optional thousands groups ("1,000": a comma joins only when exactly
// three digits follow it, so the list "1,2,3" is three numbers), an optional decimal part
// (".5", "2.50"; a '.' not followed by a digit ends the number: "is 18." is 18), or a bare
// decimal (".5"); optionally followed by "/" and digits (a fraction "3/4").
//
// Normal form (normalize_number): surrounding spaces, a trailing '.', a leading '+', '$' and
// all ',' are dropped; the value becomes a canonical decimal string: no leading zeros, no
// trailing fractional zeros, no "-0" ("018.50" -> "18.5", "-0.0" -> "0", "1,000" -> "1000").
// Fractions are exact: "1/2" -> "0.5" (so "0.5" == ".5" == "1/2"); a fraction without a
// terminating decimal stays as the reduced "p/q" ("2/6" -> "1/3"). Percent signs, units and
// scientific notation are not numbers ("50%" does not normalise; the token scanner finds 50).
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace lpo::evaluation {

/// Byte range [begin, end) of one number token in a text.
struct NumberSpan {
  size_t begin = 0, end = 0;
};

/// Every number token of `text`, left to right, per the grammar above.
std::vector<NumberSpan> number_spans(const std::string& text);

/// Canonical form of a number written as text (see above); std::nullopt when `text` is not
/// one number (empty, words, "50%", "1/0", a fraction term over 18 digits). Idempotent.
std::optional<std::string> normalize_number(const std::string& text);

/// Strict (lm-eval "strict-match"): the number right after the first "####" that is followed
/// (after spaces) by a number token; normalised. std::nullopt when there is none.
std::optional<std::string> extract_strict(const std::string& text);

/// Flexible (lm-eval "flexible-extract"): the last number token of `text`, normalised.
std::optional<std::string> extract_flexible(const std::string& text);

/// "answer is N" (case-insensitive; covers "The answer is", "The final answer is"): the first
/// number token after the last such phrase that has one on the rest of its line; normalised.
std::optional<std::string> extract_answer_is(const std::string& text);

/// "\boxed{...}" (or "\fbox{...}"): the first number token inside the last box, after
/// "\frac{a}{b}" / "\dfrac" / "\tfrac" become "a/b" and LaTeX escapes ("\$", "\,", "\!")
/// are dropped; normalised. Braces nest ("\boxed{\frac{1}{2}}" gives "0.5").
std::optional<std::string> extract_boxed(const std::string& text);

/// A model's final answer: extract_strict, else extract_answer_is, else extract_boxed, else
/// extract_flexible. std::nullopt when the text holds no number at all.
std::optional<std::string> extract_answer(const std::string& text);

/// Whether two answers are equal: numerically (equal normal forms) when both are numbers,
/// else as strings with surrounding spaces and a trailing '.' removed. Empty never matches.
bool answers_match(const std::string& a, const std::string& b);

/// The GSM8K verifier: `candidate` is correct when extract_answer(candidate) exists and
/// matches `gold_answer` (itself a number, e.g. extract_strict of the reference solution).
/// A candidate with no extractable answer is wrong.
bool is_correct(const std::string& candidate, const std::string& gold_answer);

}  // namespace lpo::evaluation
