// `lpo select-pairs` end to end: counts on stderr, pairs + summary files, bad-line exit code.
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_support.hpp"

namespace lpo {
namespace {

std::string write_text(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

long count_lines(const std::string& path) {
  std::ifstream in(path);
  long n = 0;
  for (std::string line; std::getline(in, line);) ++n;
  return n;
}

const char* const kLines =
    R"({"model_input":"Q1","better_context":"#### 18","candidate_set":["so 18","so 20","no idea"]})" "\n"
    R"({"model_input":"Q2","better_context":"#### 5","candidate_set":["The answer is 5."]})" "\n";

TEST(SelectPairsCli, Gsm8kWritesPairsAndSummary) {
  const std::string dir = test::temp_dir("sel");
  const std::string in = write_text(dir + "/cands.jsonl", kLines);
  auto r = test::run_lpo("select-pairs --task gsm8k --data " + in + " --out " + dir + "/pairs.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("gsm8k: 2 prompts -> 2 pairs from 1 prompts; dropped: no_wrong_candidate 1"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(count_lines(dir + "/pairs.jsonl"), 2);
  std::ifstream summary(dir + "/pairs.jsonl.summary.json");
  const auto s = nlohmann::json::parse(summary);
  EXPECT_EQ(s["pairs_out"], 2);
  EXPECT_EQ(s["candidates"]["no_answer"], 1);

  r = test::run_lpo("select-pairs --task reference --data " + in + " --out " + dir + "/ref.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(count_lines(dir + "/ref.jsonl"), 4);
}

TEST(SelectPairsCli, BadLineFailsUnlessSkipped) {
  const std::string dir = test::temp_dir("bad");
  const std::string in = write_text(dir + "/cands.jsonl", std::string(kLines) + R"({"model_input":"Q3"})" "\n");
  auto r = test::run_lpo("select-pairs --data " + in + " --out " + dir + "/pairs.jsonl");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("cands.jsonl:3: field 'better_context': missing"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/pairs.jsonl"));

  r = test::run_lpo("select-pairs --skip-bad-lines --data " + in + " --out " + dir + "/pairs.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("bad lines: 1 (missing_field 1)"), std::string::npos) << r.output;
  EXPECT_EQ(count_lines(dir + "/pairs.jsonl"), 2);

  r = test::run_lpo("select-pairs --task math --data " + in + " --out " + dir + "/x.jsonl");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("unknown --task 'math'"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lpo
