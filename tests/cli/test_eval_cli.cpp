// `lpo eval` on hand-built inputs with known answers: --task gsm8k --generations-field on fixed
// texts (exact strict/flexible/verified counts and the per-problem file), --task pairs on
// scored pairs whose reference log-probs are the policy's own shifted by chosen amounts (exact
// accuracy, margin and deltas); and `lpo train` on `lpo ref-logprobs` output of the same model:
// step 1 has zero rewards and the closed-form loss (the file round trip included).
#include <cmath>
#include <fstream>

#include "cli_support.hpp"
#include "util/files.hpp"

namespace lpo {
namespace {

nlohmann::json last_json_line(const std::string& output) {
  return nlohmann::json::parse(output.substr(output.rfind("\n{") + 1));
}

}  // namespace

TEST(EvalCli, Gsm8kGenerationsFieldScoresFixedTextsExactly) {
  const std::string dir = test::temp_dir("gsm8k");
  // gold, text -> strict, flexible (last number), verified
  std::ofstream(dir + "/gen.jsonl")
      << R"({"question": "q1", "answer": "6 + 6 = 12\n#### 12", "out": {"text": "6 + 6 = 12 #### 12"}})" "\n"  // 12 12 ok
      << R"({"question": "q2", "answer": "#### 7", "out": {"text": "The answer is 7"}})" "\n"  // - 7 ok
      << R"({"question": "q3", "answer": "#### 1,000", "out": {"text": "#### 1000\nthen 5"}})" "\n"  // 1000 5 ok
      << R"({"question": "q4", "answer": "#### 4", "out": {"text": "I think 4"}})" "\n"  // - 4 ok
      << R"({"question": "q5", "answer": "#### 9", "out": {"text": "no idea"}})" "\n";  // - - no
  auto r = test::run_lpo("eval --task gsm8k --data " + dir + "/gen.jsonl --generations-field out.text --out " + dir +
                         "/per.jsonl --summary " + dir + "/summary.json");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto s = last_json_line(r.output);
  EXPECT_EQ(s.at("n").get<int>(), 5);
  EXPECT_DOUBLE_EQ(s.at("strict").get<double>(), 2.0 / 5);    // q1, q3
  EXPECT_DOUBLE_EQ(s.at("flexible").get<double>(), 3.0 / 5);  // q1, q2, q4
  EXPECT_DOUBLE_EQ(s.at("verified").get<double>(), 4.0 / 5);  // all but q5
  EXPECT_EQ(nlohmann::json::parse(read_file(dir + "/summary.json")), s);
  std::vector<nlohmann::json> per;
  for_each_json_line(dir + "/per.jsonl", [&](const nlohmann::json& j, long) { per.push_back(j); });
  ASSERT_EQ(per.size(), 5u);
  const nlohmann::json null;
  const std::vector<nlohmann::json> strict{"12", null, "1000", null, null}, flexible{"12", "7", "5", "4", null};
  const std::vector<std::string> gold{"12", "7", "1000", "4", "9"};
  const std::vector<bool> strict_ok{true, false, true, false, false}, flexible_ok{true, true, false, true, false};
  for (size_t i = 0; i < 5; ++i) {
    SCOPED_TRACE("problem " + std::to_string(i + 1));
    EXPECT_EQ(per[i].at("index").get<size_t>(), i);
    EXPECT_EQ(per[i].at("question").get<std::string>(), "q" + std::to_string(i + 1));
    EXPECT_EQ(per[i].at("gold").get<std::string>(), gold[i]);
    EXPECT_EQ(per[i].at("strict_answer"), strict[i]);
    EXPECT_EQ(per[i].at("flexible_answer"), flexible[i]);
    EXPECT_EQ(per[i].at("strict_correct").get<bool>(), strict_ok[i]);
    EXPECT_EQ(per[i].at("flexible_correct").get<bool>(), flexible_ok[i]);
    EXPECT_EQ(per[i].at("verified_correct").get<bool>(), i < 4);
  }
  EXPECT_EQ(per[2].at("generation").get<std::string>(), "#### 1000\nthen 5");
}

TEST(EvalCli, PairsTaskGivesExactAccuracyMarginsAndFirstStepInvariant) {
  const std::string dir = test::temp_dir("pairs");
  ASSERT_EQ(test::init_tiny_gpt2_model(dir + "/init").exit_code, 0);
  std::ofstream(dir + "/pairs.jsonl")
      << R"({"prompt": "Two plus two is", "chosen": " four.", "rejected": " five, I think."})" "\n"
      << R"({"prompt": "The sky is", "chosen": " blue today", "rejected": " green"})" "\n"
      << R"({"prompt": "Say hi:", "chosen": " hi", "rejected": " hello there"})" "\n";
  auto r = test::run_lpo("ref-logprobs --model " + dir + "/init --data " + dir + "/pairs.jsonl --out " + dir +
                         "/scored.jsonl --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  // Step 1 of training on these numbers with the same model: rewards 0, loss log 2 (sigmoid).
  for (const char* average : {"", " --is-average"}) {
    r = test::run_lpo("train --model " + dir + "/init --data-path " + dir + "/scored.jsonl --loss-type sigmoid" +
                      average + " --train-iters 1 --micro-batch-size 3 --global-batch-size 3 --no-progress"
                      " --threads 1 --log-file " + dir + "/m.jsonl");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::vector<nlohmann::json> m;
    for_each_json_line(dir + "/m.jsonl", [&](const nlohmann::json& j, long) { m.push_back(j); });
    ASSERT_FALSE(m.empty());
    EXPECT_NEAR(m.back().at("loss").get<double>(), std::log(2.0), 1e-5) << average;
    EXPECT_NEAR(m.back().at("rewards/margins").get<double>(), 0.0, 1e-5) << average;
    EXPECT_NEAR(m.back().at("rewards/chosen").get<double>(), 0.0, 1e-5) << average;
  }

  // Reference = policy − (dc, dr): x1 = dc, x2 = dr exactly (up to float rounding of the policy).
  const std::vector<double> dc{1.0, -0.5, 0.25}, dr{-1.0, 2.5, 0.0};
  std::ifstream in(dir + "/scored.jsonl");
  std::ofstream out(dir + "/shifted.jsonl");
  std::string line;
  std::getline(in, line);
  out << line << "\n";  // the header
  for (size_t i = 0; std::getline(in, line); ++i) {
    ASSERT_LT(i, 3u);
    auto j = nlohmann::json::parse(line);
    j["ref_chosen_logps_sum"] = j["ref_chosen_logps_sum"].get<double>() - dc[i];
    j["ref_rejected_logps_sum"] = j["ref_rejected_logps_sum"].get<double>() - dr[i];
    out << j.dump() << "\n";
  }
  out.close();
  r = test::run_lpo("eval --task pairs --model " + dir + "/init --data " + dir +
                    "/shifted.jsonl --beta 0.1 --loss-type sigmoid --threads 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto e = last_json_line(r.output);
  EXPECT_EQ(e.at("n").get<int>(), 3);
  EXPECT_NEAR(e.at("accuracy").get<double>(), 2.0 / 3, 1e-12);  // pairs 1 and 3: dc > dr
  // margins β·(dc − dr) = [0.2, -0.3, 0.025]
  EXPECT_NEAR(e.at("margin").get<double>(), (0.2 - 0.3 + 0.025) / 3, 1e-5);
  EXPECT_NEAR(e.at("chosen_delta").get<double>(), (1.0 - 0.5 + 0.25) / 3, 1e-5);
  EXPECT_NEAR(e.at("rejected_delta").get<double>(), (-1.0 + 2.5 + 0.0) / 3, 1e-5);
  double loss = 0;
  for (double z : {2.0, -3.0, 0.25}) loss += std::log1p(std::exp(-0.1 * z)) / 3;  // −log σ(β z)
  EXPECT_NEAR(e.at("loss").get<double>(), loss, 1e-5);
}

TEST(TrainCli, HelpSaysWhichParametersGetWeightDecay) {
  auto r = test::run_lpo("train --help");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("only to parameters with 2 or more dimensions"), std::string::npos) << r.output;
}

}  // namespace lpo
