// `lpo demo --quick`: every step of the replica runs and writes the report files, with one
// result per method (DPO and LPO at each learning rate, the control, the r2 sweep).
#include "cli_support.hpp"
#include "util/files.hpp"

namespace lpo {

TEST(DemoCli, QuickReplicaWritesReportChartsAndTensorBoard) {
  const std::string dir = test::temp_dir("demo");
  auto r = test::run_lpo("demo --quick --no-progress --threads 1 --out " + dir + "/run");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto results = nlohmann::json::parse(read_file(dir + "/run/results.json"));
  std::vector<std::string> names;
  for (const auto& run : results.at("runs")) {
    names.push_back(run.at("name"));
    EXPECT_GE(run.at("flexible").get<double>(), 0.0);
    EXPECT_LE(run.at("flexible").get<double>(), 1.0);
    EXPECT_GE(run.at("curve").size(), 2u);  // step 0 plus the held-out evaluations
  }
  EXPECT_EQ(names, (std::vector<std::string>{"dpo_lr3e-05", "lpo_lr3e-05", "dpo_lr0.0001", "lpo_lr0.0001", "control",
                                             "lpo_r2_0.1", "lpo_r2_1"}));
  EXPECT_GT(results.at("pairs").at("pairs").get<int>(), 0);
  for (const char* f : {"report.md", "charts/logps.svg", "charts/lr_sweep.svg", "charts/r2_sweep.svg",
                        "data/train.jsonl", "data/test.jsonl", "data/candidates.jsonl", "data/pairs.jsonl"})
    EXPECT_TRUE(std::filesystem::exists(dir + "/run/" + f)) << f;
  for (const char* run : {"sft", "dpo_lr3e-05", "lpo_r2_1", "control"}) {
    bool has_events = false;
    for (const auto& e : std::filesystem::directory_iterator(dir + "/run/tensorboard/" + run))
      has_events |= e.path().filename().string().rfind("events.out.tfevents.", 0) == 0;
    EXPECT_TRUE(has_events) << run;
  }
  EXPECT_NE(read_file(dir + "/run/report.md").find("LPO above the control"), std::string::npos);
  EXPECT_NE(r.output.find("lpo_r2_1"), std::string::npos) << r.output;
}

}  // namespace lpo
