// select-pairs: counts on a hand-made candidates file for both tasks, errors and skips, and the
// GSM8K verifier against OpenAI's is_correct labels on 4 x 1,319 real model solutions.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>

#include "data/pair_reader.hpp"
#include "pipeline/select_pairs.hpp"
#include "test_support.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo::pipeline {
namespace {

using nlohmann::json;

/// Five prompts: 2 wrong of 5 (one blank), all correct, no gold "####", no candidates, and an
/// id field with a candidate identical to the gold solution.
const char* const kCandidates =
    R"({"id":"q1","model_input":"Q1","better_context":"9 * 2 = 18\n#### 18","candidate_set":["2 * 9 = 18 dollars","It is 20.",{"text":"I do not know"},"   ","The answer is $18.00."]})" "\n"
    R"({"model_input":"Q2","better_context":"#### 1,000","candidate_set":["1000","so 1,000.","\\boxed{1000}"]})" "\n"
    "\n"
    R"({"model_input":"Q3","better_context":"The answer is 7","candidate_set":["7","8"]})" "\n"
    R"({"model_input":"Q4","better_context":"#### 3","candidate_set":[]})" "\n"
    R"({"id":5,"model_input":"Q5","better_context":"#### -3","candidate_set":[{"response":"#### -3"},"#### 3","#### -3"]})" "\n";

/// Writes `content` to `name` in a fresh directory of its own (one per name and test).
std::string write_input(const std::string& name, const std::string& content) {
  const std::string path = test::temp_dir(name) + "/" + name;
  write_file_atomic(path, content);
  return path;
}

std::vector<json> read_jsonl(const std::string& path) {
  std::vector<json> out;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

TEST(SelectPairs, Gsm8kCountsOnHandMadeFile) {
  const std::string in = write_input("candidates.jsonl", kCandidates);
  const std::string out = std::filesystem::path(in).parent_path() / "pairs.jsonl";
  const SelectReport r = select_pairs(in, out, {PairTask::gsm8k, false});
  EXPECT_EQ(r.prompts_in, 5);
  EXPECT_EQ(r.pairs_out, 3);  // Q1: "It is 20." and "I do not know"; Q5: "#### 3"
  EXPECT_EQ(r.prompts_with_pairs, 2);
  EXPECT_EQ(r.dropped, (std::map<std::string, long>{{"no_wrong_candidate", 1}, {"no_gold_answer", 1},
                                                     {"no_candidates", 1}}));
  EXPECT_EQ(r.bad_lines, 0);
  // Candidates are counted on lines that have a gold answer or none (Q3's 2 are not judged).
  EXPECT_EQ(r.candidates, 5 + 3 + 2 + 0 + 3);
  EXPECT_EQ(r.correct, 2 + 3 + 2);  // Q5's two "#### -3" copies: one identical to the gold text
  EXPECT_EQ(r.wrong, 3);
  EXPECT_EQ(r.no_answer, 1);
  EXPECT_EQ(r.empty, 1);
  EXPECT_EQ(r.identical, 2);

  const auto pairs = read_jsonl(out);
  ASSERT_EQ(pairs.size(), 3u);
  EXPECT_EQ(pairs[0], (json{{"id", "q1"}, {"prompt", "Q1"}, {"chosen", "9 * 2 = 18\n#### 18"},
                            {"rejected", "It is 20."}, {"candidate_index", 1}}));
  EXPECT_EQ(pairs[1]["rejected"], "I do not know");
  EXPECT_EQ(pairs[1]["candidate_index"], 2);
  EXPECT_EQ(pairs[2], (json{{"id", 5}, {"prompt", "Q5"}, {"chosen", "#### -3"}, {"rejected", "#### 3"},
                            {"candidate_index", 1}}));

  // The summary file next to the output says the same.
  const json summary = json::parse(read_file(out + ".summary.json"));
  EXPECT_EQ(summary, to_json(r));
  EXPECT_EQ(summary["pairs_out"], 3);
  EXPECT_EQ(summary["dropped"]["no_gold_answer"], 1);
  EXPECT_EQ(summary["candidates"]["no_answer"], 1);

  // The output is a pairs file the data layer reads as prompt-chosen-rejected.
  ReadReport read_report;
  const auto read = read_pairs(out, {}, &read_report);
  ASSERT_EQ(read.size(), 3u);
  EXPECT_EQ(read_report.lines_by_format["prompt-chosen-rejected"], 3);
  EXPECT_EQ(read[2].rejected, "#### 3");

  // Atomic writes leave no temporary files behind.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(std::filesystem::path(in).parent_path()),
                          std::filesystem::directory_iterator{}),
            3);
}

TEST(SelectPairs, ReferenceRejectsEveryUsableCandidate) {
  const std::string in = write_input("candidates.jsonl", kCandidates);
  SelectReport r;
  const auto pairs = select_pairs_in_memory(in, {PairTask::reference, false}, r);
  // Q1: 4 (the blank one skipped); Q2: 3; Q3: 2; Q4: none; Q5: 1 ("#### 3"; two equal the chosen).
  EXPECT_EQ(r.pairs_out, 4 + 3 + 2 + 0 + 1);
  ASSERT_EQ(pairs.size(), 10u);
  EXPECT_EQ(r.prompts_with_pairs, 4);
  EXPECT_EQ(r.dropped, (std::map<std::string, long>{{"no_candidates", 1}}));
  EXPECT_EQ(r.correct + r.wrong + r.no_answer, 0);  // nothing is judged
  EXPECT_EQ(r.empty, 1);
  EXPECT_EQ(r.identical, 2);
  EXPECT_EQ(pairs[7]["chosen"], "The answer is 7");
  EXPECT_EQ(pairs[8]["rejected"], "8");
}

TEST(SelectPairs, AllCandidatesDroppedLeavesAnEmptyOutput) {
  const std::string in = write_input("c.jsonl", R"({"model_input":"Q","better_context":"#### 2","candidate_set":["2"]})" "\n");
  const std::string out = in + ".pairs";
  const SelectReport r = select_pairs(in, out, {PairTask::gsm8k, false});
  EXPECT_EQ(r.pairs_out, 0);
  EXPECT_EQ(read_file(out), "");
  EXPECT_TRUE(std::filesystem::exists(out + ".summary.json"));
}

/// select_pairs(in) must throw an lpo::Error whose message contains `needle`.
void expect_error(const std::string& in, const std::string& needle) {
  try {
    SelectReport r;
    select_pairs_in_memory(in, {PairTask::gsm8k, false}, r);
    FAIL() << "expected an error containing: " << needle;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(SelectPairs, BadLinesNameFileLineAndField) {
  const std::string good = R"({"model_input":"Q","better_context":"#### 2","candidate_set":["3"]})" "\n";
  const std::string in = write_input("bad.jsonl", good +
                                                  R"({"model_input":"Q","candidate_set":["3"]})" "\n" +
                                                  R"({"model_input":"Q","better_context":"#### 2","candidate_set":"3"})" "\n" +
                                                  R"({"model_input":"Q","better_context":"#### 2","candidate_set":[3]})" "\n" +
                                                  R"({"model_input":1,"better_context":"#### 2","candidate_set":[]})" "\n" +
                                                  R"({"model_input":"Q","better_context":" ","candidate_set":[]})" "\n" +
                                                  "{not json\n" + "[1]\n" + good);
  expect_error(in, "bad.jsonl:2: field 'better_context': missing");
  std::vector<std::string> lines;
  std::ifstream f(in);
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  const char* const needles[] = {"field 'better_context': missing",
                                 "field 'candidate_set': expected a list",
                                 "field 'candidate_set[0]': expected a string or an object",
                                 "field 'model_input': expected a string",
                                 "field 'better_context': the reference answer is empty",
                                 "one.jsonl:2: invalid JSON",
                                 "one.jsonl:2: expected a JSON object"};
  for (int line = 2; line <= 8; ++line)  // each bad line alone, after a good one
    expect_error(write_input("one.jsonl", good + lines[line - 1] + "\n"), needles[line - 2]);

  SelectReport r;
  const auto pairs = select_pairs_in_memory(in, {PairTask::gsm8k, true}, r);
  EXPECT_EQ(pairs.size(), 2u);
  EXPECT_EQ(r.prompts_in, 9);
  EXPECT_EQ(r.bad_lines, 7);
  EXPECT_EQ(r.bad_lines_by_reason, (std::map<std::string, long>{{"missing_field", 1}, {"wrong_type", 3},
                                                                 {"empty_response", 1}, {"invalid_json", 1},
                                                                 {"not_an_object", 1}}));
  EXPECT_EQ(to_json(r)["bad_lines"], 7);
}

TEST(SelectPairs, TaskNames) {
  EXPECT_EQ(parse_pair_task("gsm8k"), PairTask::gsm8k);
  EXPECT_EQ(parse_pair_task("reference"), PairTask::reference);
  EXPECT_THROW(parse_pair_task("math"), Error);
}

// ---- real data: OpenAI's example model solutions ----------------------------------------------

const char* const kModels[] = {"6b_finetuning", "6b_verification", "175b_finetuning", "175b_verification"};

/// question -> GSM8K test solution (ending "#### N").
std::map<std::string, std::string> gold_solutions() {
  std::map<std::string, std::string> gold;
  for (const json& row : read_jsonl(test::shared_path("data/gsm8k/test.jsonl")))
    gold[row["question"].get<std::string>()] = row["answer"].get<std::string>();
  return gold;
}

/// One example_model_solutions row in the candidate schema: the test split's gold solution as
/// better_context, the four model solutions as candidate objects.
json to_candidate_line(const json& row, const std::map<std::string, std::string>& gold) {
  json set = json::array();
  for (const char* model : kModels) set.push_back({{"text", row[model]["solution"]}, {"model", model}});
  return {{"model_input", row["question"]}, {"better_context", gold.at(row["question"].get<std::string>())},
          {"candidate_set", set}};
}

TEST(SelectPairsRealData, VerifierAgreesWithIsCorrectLabels) {
  LPO_REQUIRE_SHARED("data/gsm8k/example_model_solutions.jsonl");
  LPO_REQUIRE_SHARED("data/gsm8k/test.jsonl");
  const auto gold = gold_solutions();
  const auto rows = read_jsonl(test::shared_path("data/gsm8k/example_model_solutions.jsonl"));
  ASSERT_EQ(rows.size(), 1319u);
  std::map<std::string, long> agree, labelled_correct, judged_correct;
  long total = 0, agreements = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const CandidateSet set = parse_candidate_set(to_candidate_line(rows[i], gold), "row:" + std::to_string(i + 1));
    const LineSelection sel = select_rejected(set, PairTask::gsm8k);
    ASSERT_TRUE(sel.gold_answer) << i;
    for (size_t c = 0; c < 4; ++c) {
      const json& solution = rows[i][kModels[c]];
      const bool label = solution["is_correct"].get<bool>();
      const bool verdict = std::find(sel.rejected.begin(), sel.rejected.end(), c) == sel.rejected.end();
      ++total;
      labelled_correct[kModels[c]] += label;
      judged_correct[kModels[c]] += verdict;
      if (label == verdict) {
        ++agreements;
        ++agree[kModels[c]];
      } else {
        std::cout << "disagreement: row " << i + 1 << " " << kModels[c] << " is_correct=" << label
                  << " gold=" << *sel.gold_answer << " solution tail: "
                  << json(set.candidates[c].substr(set.candidates[c].size() > 80 ? set.candidates[c].size() - 80 : 0))
                  << "\n";
      }
    }
  }
  for (const char* model : kModels)
    std::cout << model << ": agree " << agree[model] << "/1319, labelled correct " << labelled_correct[model]
              << ", judged correct " << judged_correct[model] << "\n";
  std::cout << "overall agreement " << agreements << "/" << total << "\n";
  EXPECT_EQ(total, 4 * 1319);
  EXPECT_GE(static_cast<double>(agreements) / static_cast<double>(total), 0.99);
}

TEST(SelectPairsRealData, FileRunGivesOnePairPerWrongSolution) {
  LPO_REQUIRE_SHARED("data/gsm8k/example_model_solutions.jsonl");
  LPO_REQUIRE_SHARED("data/gsm8k/test.jsonl");
  const auto gold = gold_solutions();
  const auto rows = read_jsonl(test::shared_path("data/gsm8k/example_model_solutions.jsonl"));
  std::string content;
  long wrong = 0, all_correct = 0;
  for (const json& row : rows) {
    content += to_candidate_line(row, gold).dump() + "\n";
    long row_wrong = 0;
    for (const char* model : kModels) row_wrong += !row[model]["is_correct"].get<bool>();
    wrong += row_wrong;
    all_correct += row_wrong == 0;
  }
  const std::string in = write_input("solutions.jsonl", content);
  const SelectReport r = select_pairs(in, in + ".pairs", {PairTask::gsm8k, false});
  EXPECT_EQ(wrong, 3275);  // 5,276 solutions, 2,001 labelled correct
  EXPECT_EQ(r.pairs_out, wrong);
  EXPECT_EQ(r.dropped, (std::map<std::string, long>{{"no_wrong_candidate", all_correct}}));
  EXPECT_EQ(r.prompts_with_pairs, 1319 - all_correct);
  EXPECT_EQ(static_cast<long>(read_jsonl(in + ".pairs").size()), wrong);
  std::cout << "pairs " << r.pairs_out << ", prompts dropped (all four correct) " << all_correct
            << ", wrong without a number " << r.no_answer << "\n";
}

TEST(SelectPairsRealData, GroundTruthAgreesWithTestSplit) {
  LPO_REQUIRE_SHARED("data/gsm8k/example_model_solutions.jsonl");
  LPO_REQUIRE_SHARED("data/gsm8k/test.jsonl");
  // The file's ground_truth ends "A: N"; as a generation it must verify against the test split's "#### N".
  const auto gold = gold_solutions();
  long correct = 0;
  const auto rows = read_jsonl(test::shared_path("data/gsm8k/example_model_solutions.jsonl"));
  for (const json& row : rows) {
    CandidateSet set = parse_candidate_set(to_candidate_line(row, gold), "row");
    set.candidates = {row["ground_truth"].get<std::string>()};
    correct += select_rejected(set, PairTask::gsm8k).correct;
  }
  EXPECT_EQ(correct, 1319);
}

}  // namespace
}  // namespace lpo::pipeline
