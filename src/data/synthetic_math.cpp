#include "data/synthetic_math.hpp"

#include <set>

#include "data/splitmix64.hpp"
#include "util/error.hpp"

namespace lpo {
namespace {

// Draws over the shared generator. `uniform` here takes the plain modulo (its bias is below
// 1e-17 for these ranges) so the task's streams stay those the demo's results were measured on.
class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  long uniform(long lo, long hi) { return lo + static_cast<long>(gen_.next() % static_cast<uint64_t>(hi - lo + 1)); }
  template <typename T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<size_t>(uniform(0, static_cast<long>(v.size()) - 1))]; }

 private:
  SplitMix64 gen_;
};

struct Person {
  std::string name, pronoun;
};

const std::vector<Person>& people() {
  static const std::vector<Person> p = {{"Mia", "She"}, {"Tom", "He"}, {"Ann", "She"}, {"Ben", "He"},
                                        {"Zoe", "She"}, {"Sam", "He"}, {"Eva", "She"}, {"Max", "He"}};
  return p;
}
const std::vector<std::string>& items() {
  static const std::vector<std::string> i = {"pens", "apples", "cards", "books", "coins", "eggs", "stamps", "shells"};
  return i;
}
// Verbs for a gain ("She buys 5 more.") and a loss ("She gives away 7.").
const std::vector<std::string>& gains() {
  static const std::vector<std::string> g = {"buys", "finds", "gets", "wins"};
  return g;
}
const std::vector<std::string>& losses() {
  static const std::vector<std::string> l = {"gives away", "loses", "sells", "uses"};
  return l;
}

MathProblem draw(Rng& rng, const MathTaskOptions& o) {
  const Person& who = rng.pick(people());
  const std::string& item = rng.pick(items());
  long amount = rng.uniform(1, o.max_operand);
  std::string question = who.name + " has " + std::to_string(amount) + " " + item + ".";
  std::string answer;
  const long steps = rng.uniform(o.min_steps, o.max_steps);
  for (long s = 0; s < steps; ++s) {
    const bool lose = amount > 0 && rng.uniform(0, 1) == 1;
    const long x = lose ? rng.uniform(1, std::min<long>(amount, o.max_operand)) : rng.uniform(1, o.max_operand);
    const long next = lose ? amount - x : amount + x;
    question += " " + who.pronoun + " " + (lose ? rng.pick(losses()) : rng.pick(gains())) + " " + std::to_string(x) +
                (lose ? "." : " more.");
    answer += std::to_string(amount) + (lose ? " - " : " + ") + std::to_string(x) + " = " + std::to_string(next) + "\n";
    amount = next;
  }
  question += " How many " + item + " does " + who.name + " have now?";
  answer += "#### " + std::to_string(amount);
  return {question, answer, amount};
}

}  // namespace

std::vector<MathProblem> make_math_problems(int n, uint64_t seed, const MathTaskOptions& o,
                                            const std::vector<MathProblem>& exclude) {
  check(n >= 0, "make_math_problems: n must be >= 0, got ", n);
  check(o.max_operand >= 1, "make_math_problems: max_operand must be >= 1");
  check(o.min_steps >= 1 && o.min_steps <= o.max_steps, "make_math_problems: need 1 <= min_steps <= max_steps");
  std::set<std::string> taken;
  for (const auto& p : exclude) taken.insert(p.question);
  Rng rng(seed);
  std::vector<MathProblem> out;
  for (long tries = 0; static_cast<int>(out.size()) < n; ++tries) {
    check(tries < 100L * n + 1000, "make_math_problems: cannot find ", n,
          " problems outside the excluded set; widen max_operand or steps");
    MathProblem p = draw(rng, o);
    if (!taken.count(p.question)) out.push_back(std::move(p));
  }
  return out;
}

nlohmann::json math_problem_json(const MathProblem& p) { return {{"question", p.question}, {"answer", p.answer}}; }

std::vector<std::string> math_task_words() {
  std::vector<std::string> words = {"How", "####", " has", " more", " How", " many", " does", " have", " now",
                                    " +", " -", " =", " away", " gives", "\n"};
  for (const auto& p : people()) words.insert(words.end(), {p.name, " " + p.name, " " + p.pronoun});
  for (const auto* list : {&items(), &gains(), &losses()})
    for (const auto& w : *list)
      if (w.find(' ') == std::string::npos) words.push_back(" " + w);
  for (char d = '0'; d <= '9'; ++d) words.push_back(std::string(" ") + d);
  return words;
}

}  // namespace lpo
