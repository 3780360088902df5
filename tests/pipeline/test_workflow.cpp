// The pipeline plan: command lines built from the config, and which steps a rerun runs.
#include <algorithm>
#include <filesystem>

#include "pipeline/workflow.hpp"
#include "test_support.hpp"
#include "util/error.hpp"
#include "util/files.hpp"

namespace lpo::pipeline {
namespace {

nlohmann::json config() {
  return nlohmann::json::parse(R"({"work_dir": "w", "model": "/m", "prompts": "p.jsonl", "threads": 2,
    "steps": {"sample": {"num-candidates": 4, "stop": ["\n\n", "Q:"], "temperature": 1.0},
              "train": {"add-sft-loss": true, "is-average": false, "lr": 3e-05}}})");
}

std::vector<std::string> args_of(const PipelinePlan& plan, const std::string& step) {
  for (const auto& s : plan.steps)
    if (s.name == step) return s.args;
  return {};
}

}  // namespace

TEST(Workflow, CommandLinesWireEachStepToTheNext) {
  PipelinePlan plan = plan_pipeline(config(), "/cfg/run.json");
  EXPECT_EQ(plan.work_dir, "/cfg/w");  // relative to the config file
  ASSERT_EQ(plan.steps.size(), 5u);     // no eval configured
  EXPECT_EQ(args_of(plan, "sample"),
            (std::vector<std::string>{"sample", "--model", "/m", "--data", "/cfg/p.jsonl", "--out",
                                      "/cfg/w/candidates.jsonl", "--num-candidates", "4", "--stop", "\n\n", "--stop",
                                      "Q:", "--temperature", "1.0", "--threads", "2"}));
  EXPECT_EQ(args_of(plan, "select-pairs"), (std::vector<std::string>{"select-pairs", "--data", "/cfg/w/candidates.jsonl",
                                                                     "--out", "/cfg/w/pairs.jsonl"}));
  EXPECT_EQ(args_of(plan, "train"),
            (std::vector<std::string>{"train", "--model", "/m", "--data-path", "/cfg/w/dataset", "--save",
                                      "/cfg/w/train", "--load", "/cfg/w/train", "--add-sft-loss", "--lr", "3e-05",
                                      "--threads", "2"}));
}

TEST(Workflow, BadConfigsNameTheField) {
  auto message = [](nlohmann::json c) {
    try {
      plan_pipeline(c, "run.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  auto c = config();
  c["steps"]["train"]["save"] = "elsewhere";
  EXPECT_NE(message(c).find("steps.train.save"), std::string::npos) << message(c);
  c = config();
  c["steps"]["sampel"] = nlohmann::json::object();
  EXPECT_NE(message(c).find("unknown step 'steps.sampel'"), std::string::npos) << message(c);
  c = config();
  c.erase("model");
  EXPECT_NE(message(c).find("'model'"), std::string::npos) << message(c);
  c = config();
  c["steps"]["sample"]["seed"] = nlohmann::json::object();
  EXPECT_NE(message(c).find("steps.sample.seed"), std::string::npos) << message(c);
}

// What a step's command would leave behind: its --out file (build-dataset: PREFIX.lpo.json), or
// for train a checkpoint at --train-iters under --save. The pipeline records only complete steps.
void write_fake_outputs(const std::vector<std::string>& argv) {
  auto flag = [&](const std::string& name) {
    for (size_t i = 0; i + 1 < argv.size(); ++i)
      if (argv[i] == name) return argv[i + 1];
    return std::string();
  };
  const std::string step = argv.at(1);
  if (step == "train") {
    const std::string iters = flag("--train-iters").empty() ? "1" : flag("--train-iters");
    const std::string ckpt = flag("--save") + "/iter_" + iters;
    std::filesystem::create_directories(ckpt);
    write_file_atomic(ckpt + "/trainer_state.json", "{\"iteration\": " + iters + ", \"consumed_samples\": 0}\n");
    write_file_atomic(flag("--save") + "/latest", "iter_" + iters + "\n");
  } else {
    write_file_atomic(flag("--out") + (step == "build-dataset" ? ".lpo.json" : ""), "{}\n");
  }
}

TEST(Workflow, RerunSkipsDoneStepsAndRerunsFromAChange) {
  const std::string dir = test::temp_dir("w");
  auto c = config();
  c["work_dir"] = dir;
  std::vector<std::string> ran;
  auto record = [&](const std::vector<std::string>& argv) {
    ran.push_back(argv.at(1));
    write_fake_outputs(argv);
    return 0;
  };
  run_pipeline(plan_pipeline(c, "run.json"), "", record);
  EXPECT_EQ(ran, (std::vector<std::string>{"sample", "select-pairs", "ref-logprobs", "build-dataset", "train"}));
  ran.clear();
  run_pipeline(plan_pipeline(c, "run.json"), "", record);
  EXPECT_TRUE(ran.empty());
  c["steps"]["ref-logprobs"] = {{"seq-length", 512}};  // a changed step and everything after it
  run_pipeline(plan_pipeline(c, "run.json"), "", record);
  EXPECT_EQ(ran, (std::vector<std::string>{"ref-logprobs", "build-dataset", "train"}));
  ran.clear();
  run_pipeline(plan_pipeline(c, "run.json"), "train", record);
  EXPECT_EQ(ran, (std::vector<std::string>{"train"}));
  ran.clear();
  EXPECT_THROW(run_pipeline(plan_pipeline(c, "run.json"), "nope", record), Error);
  // A failing step stops the run, and is retried (with the later ones) next time.
  int calls = 0;
  c["steps"]["select-pairs"] = {{"task", "reference"}};
  auto fail_once = [&](const std::vector<std::string>& argv) {
    ran.push_back(argv.at(1));
    if (argv.at(1) == "select-pairs" && calls++ == 0) return 1;
    write_fake_outputs(argv);
    return 0;
  };
  EXPECT_THROW(run_pipeline(plan_pipeline(c, "run.json"), "", fail_once), Error);
  EXPECT_EQ(ran, (std::vector<std::string>{"select-pairs"}));
  ran.clear();
  run_pipeline(plan_pipeline(c, "run.json"), "", fail_once);
  EXPECT_EQ(ran, (std::vector<std::string>{"select-pairs", "ref-logprobs", "build-dataset", "train"}));
}

}  // namespace lpo::pipeline
