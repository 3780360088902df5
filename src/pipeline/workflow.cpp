#include "pipeline/workflow.hpp"

#include <algorithm>
#include <filesystem>
#include <map>

#include "training/checkpoint.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/log.hpp"
#include "util/stop_signal.hpp"

namespace lpo::pipeline {
namespace fs = std::filesystem;
namespace {

using nlohmann::json;

std::string string_field(const json& j, const char* key, const std::string& where) {
  check(j.contains(key) && j[key].is_string(), where, ": field '", key, "' must be a string");
  return j[key].get<std::string>();
}

// Relative paths in the config are relative to the config file.
std::string resolve(const std::string& path, const std::string& config_path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(config_path).parent_path() / path).lexically_normal().string();
}

std::string scalar_text(const json& v, const std::string& where) {
  if (v.is_string()) return v.get<std::string>();
  check(v.is_number(), where, ": expected a string, number, boolean or array of them, found ", v.type_name());
  return v.dump();
}

// Flags the pipeline wires itself; a config that sets them would break the chain.
const std::vector<std::string>& reserved_flags(const std::string& step) {
  static const std::map<std::string, std::vector<std::string>> reserved = {
      {"sample", {"model", "data", "out"}},          {"select-pairs", {"data", "out"}},
      {"ref-logprobs", {"model", "data", "out"}},    {"build-dataset", {"data", "out"}},
      {"train", {"model", "data-path", "save", "load"}}, {"eval", {"model", "summary"}}};
  return reserved.at(step);
}

std::vector<std::string> step_flags(const std::string& step, const json& flags, const std::string& where) {
  check(flags.is_object(), where, ": expected an object of flags");
  std::vector<std::string> args;
  for (const auto& [key, value] : flags.items()) {
    const std::string at = where + "." + key;
    const auto& reserved = reserved_flags(step);
    check(std::find(reserved.begin(), reserved.end(), key) == reserved.end(), at,
          ": the pipeline sets --", key, " of ", step, " itself");
    if (value.is_boolean()) {
      if (value.get<bool>()) args.push_back("--" + key);
    } else if (value.is_array()) {
      for (const auto& v : value) args.insert(args.end(), {"--" + key, scalar_text(v, at)});
    } else {
      args.insert(args.end(), {"--" + key, scalar_text(value, at)});
    }
  }
  return args;
}

std::string marker_path(const PipelinePlan& plan, const std::string& step) {
  return plan.work_dir + "/.pipeline/" + step + ".json";
}

bool already_done(const PipelinePlan& plan, const PipelineStep& step) {
  const std::string marker = marker_path(plan, step.name);
  if (!fs::exists(marker)) return false;
  try {
    return json::parse(read_file(marker)).at("args") == json(step.args);
  } catch (const std::exception&) {
    return false;  // an unreadable record: run the step again
  }
}

// The value of `--flag` in a step's arguments ("" when absent).
std::string flag_value(const PipelineStep& step, const std::string& flag) {
  for (size_t i = 0; i + 1 < step.args.size(); ++i)
    if (step.args[i] == flag) return step.args[i + 1];
  return "";
}

// "" when the step's outputs are there and complete, else what is missing. A train step is
// complete when its newest checkpoint reached --train-iters, not when the command returned.
std::string incomplete_outputs(const PipelineStep& step) {
  for (const auto& out : step.outputs)
    if (!fs::exists(out)) return out + " was not written";
  if (step.name != "train") return "";
  const std::string iters = flag_value(step, "--train-iters");
  const std::string latest = training::latest_checkpoint(step.outputs.at(0));
  if (latest.empty()) return "no checkpoint under " + step.outputs.at(0);
  const int64_t reached = training::read_trainer_state(latest).iteration;
  if (!iters.empty() && reached < std::stoll(iters))
    return latest + " is at iteration " + std::to_string(reached) + " of --train-iters " + iters;
  return "";
}

}  // namespace

const std::vector<std::string>& pipeline_step_names() {
  static const std::vector<std::string> names = {"sample", "select-pairs", "ref-logprobs",
                                                 "build-dataset", "train", "eval"};
  return names;
}

PipelinePlan plan_pipeline(const json& config, const std::string& config_path) {
  const std::string& where = config_path;
  check(config.is_object(), where, ": expected a JSON object");
  PipelinePlan plan;
  plan.work_dir = resolve(string_field(config, "work_dir", where), config_path);
  const std::string model = resolve(string_field(config, "model", where), config_path);
  const std::string prompts = resolve(string_field(config, "prompts", where), config_path);
  check(config.contains("steps") && config["steps"].is_object(), where, ": field 'steps' must be an object");
  const json& steps = config["steps"];
  for (const auto& [name, _] : steps.items()) {
    const auto& names = pipeline_step_names();
    check(std::find(names.begin(), names.end(), name) != names.end(), where, ": unknown step 'steps.", name,
          "' (steps: sample, select-pairs, ref-logprobs, build-dataset, train, eval)");
  }
  std::vector<std::string> threads;
  if (config.contains("threads")) threads = {"--threads", scalar_text(config["threads"], where + ": threads")};
  const std::string W = plan.work_dir;
  auto add = [&](const std::string& name, std::vector<std::string> args, std::vector<std::string> outputs,
                 bool computes) {
    json flags = steps.contains(name) ? steps[name] : json::object();
    if (name == "eval" && flags.contains("data"))
      flags["data"] = resolve(string_field(flags, "data", where + ": steps.eval"), config_path);
    auto extra = step_flags(name, flags, where + ": steps." + name);
    args.insert(args.begin(), name);
    args.insert(args.end(), extra.begin(), extra.end());
    if (computes && !flags.contains("threads")) args.insert(args.end(), threads.begin(), threads.end());
    plan.steps.push_back({name, args, outputs});
  };
  add("sample", {"--model", model, "--data", prompts, "--out", W + "/candidates.jsonl"}, {W + "/candidates.jsonl"}, true);
  add("select-pairs", {"--data", W + "/candidates.jsonl", "--out", W + "/pairs.jsonl"}, {W + "/pairs.jsonl"}, false);
  add("ref-logprobs", {"--model", model, "--data", W + "/pairs.jsonl", "--out", W + "/scored.jsonl"},
      {W + "/scored.jsonl"}, true);
  add("build-dataset", {"--data", W + "/scored.jsonl", "--out", W + "/dataset"}, {W + "/dataset.lpo.json"}, false);
  add("train", {"--model", model, "--data-path", W + "/dataset", "--save", W + "/train", "--load", W + "/train"},
      {W + "/train"}, true);
  if (steps.contains("eval"))
    add("eval", {"--model", W + "/train", "--summary", W + "/eval.json"}, {W + "/eval.json"}, true);
  return plan;
}

PipelinePlan load_pipeline(const std::string& config_path) {
  json config;
  try {
    config = json::parse(read_file(config_path));
  } catch (const json::exception& e) {
    throw Error(config_path + ": invalid JSON: " + e.what());
  }
  return plan_pipeline(config, config_path);
}

void run_pipeline(const PipelinePlan& plan, const std::string& from,
                  const std::function<int(const std::vector<std::string>&)>& run_step) {
  const auto& names = pipeline_step_names();
  check(from.empty() || std::find(names.begin(), names.end(), from) != names.end(), "--from: unknown step '", from,
        "'");
  StopSignal stop;  // one scope for every step: a signal during a step ends the pipeline there
  fs::create_directories(plan.work_dir + "/.pipeline");
  bool rerun = false;  // once a step runs, every later step runs too (its input changed)
  for (const PipelineStep& step : plan.steps) {
    const bool forced = rerun || step.name == from;
    if (!forced && already_done(plan, step)) {
      log::info("pipeline: ", step.name, " is done (", marker_path(plan, step.name), "), skipping");
      continue;
    }
    // A step rerun for new inputs or flags starts clean; one that was interrupted resumes.
    if (forced || fs::exists(marker_path(plan, step.name)))
      for (const auto& out : step.outputs) fs::remove_all(out);
    fs::remove(marker_path(plan, step.name));
    rerun = true;
    std::string line = "lpo";
    for (const auto& a : step.args) line += " " + a;
    log::info("pipeline: running ", line);
    std::vector<std::string> argv = {"lpo"};
    argv.insert(argv.end(), step.args.begin(), step.args.end());
    const int code = run_step(argv);
    if (code != 0) throw_if_stopped("pipeline step '" + step.name + "' did not finish; `lpo pipeline` resumes it");
    check(code == 0, "pipeline: step '", step.name, "' failed (exit ", code, "); fix it and rerun: finished steps ",
          "are kept");
    const std::string missing = incomplete_outputs(step);
    check(missing.empty(), "pipeline: step '", step.name, "' returned but is not complete (", missing,
          "); rerun to continue it");
    write_file_atomic(marker_path(plan, step.name), json{{"args", step.args}}.dump(2) + "\n");
    throw_if_stopped("pipeline, after step '" + step.name + "' finished; later steps did not run");
  }
  log::info("pipeline: all steps done in ", plan.work_dir);
}

}  // namespace lpo::pipeline
