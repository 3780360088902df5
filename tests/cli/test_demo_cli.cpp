// `lpo demo --quick`: every step of the replica runs and writes the report files, with one
// result per method (DPO and LPO at each learning rate, the control, the r2 sweep).
#include <cmath>

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
  // Each claim's verdict follows from the numbers in results.json (the main learning rate's
  // runs): "holds" exactly when LPO's flexible accuracy is above the other's.
  const double main_lr = results.at("settings").at("main_lr").get<double>();
  auto flexible_of = [&](const std::string& method) -> double {
    for (const auto& run : results.at("runs"))
      if (run.at("method") == method && run.at("lr").get<double>() == main_lr &&
          (method != "lpo" || std::abs(run.at("r2").get<double>() - 0.2) < 1e-12))
        return run.at("flexible").get<double>();
    ADD_FAILURE() << "no " << method << " run at lr " << main_lr;
    return NAN;
  };
  const double lpo = flexible_of("lpo"), dpo = flexible_of("dpo"), control = flexible_of("control");
  const double sft = results.at("sft").at("flexible").get<double>();
  const std::string report = read_file(dir + "/run/report.md");
  auto verdict = [](bool holds) { return std::string(holds ? "holds" : "does not hold") + " ("; };
  for (const auto& [claim, holds] : std::vector<std::pair<std::string, bool>>{
           {"- LPO above SFT: ", lpo > sft},
           {"- LPO above DPO: ", lpo > dpo},
           {"- LPO above the control (continued SFT on the chosen answers): ", lpo > control}})
    EXPECT_NE(report.find(claim + verdict(holds)), std::string::npos)
        << claim << "LPO " << lpo << " SFT " << sft << " DPO " << dpo << " control " << control << "\n" << report;
  EXPECT_NE(r.output.find("lpo_r2_1"), std::string::npos) << r.output;
}

}  // namespace lpo
