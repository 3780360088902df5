// `lpo pipeline CONFIG`: the seed's whole chain from one config file, each step an ordinary
// lpo subcommand whose inputs and outputs live under one work directory:
//
//   sample        --model M --data PROMPTS   --out W/candidates.jsonl
//   select-pairs  --data W/candidates.jsonl  --out W/pairs.jsonl
//   ref-logprobs  --model M --data W/pairs.jsonl --out W/scored.jsonl
//   build-dataset --data W/scored.jsonl      --out W/dataset
//   train         --model M --data-path W/dataset --save W/train --load W/train
//   eval          --model W/train (its latest checkpoint) --data EVAL   (when configured)
//
// plus the flags the config gives each step. A finished step leaves W/.pipeline/<step>.json
// (written atomically, after the step's own atomic outputs) recording its command line; a
// rerun skips steps whose record matches, reruns a step whose flags changed and every step
// after it, and resumes a step that was killed (train continues from its last checkpoint).
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace lpo::pipeline {

struct PipelineStep {
  std::string name;               // the lpo subcommand
  std::vector<std::string> args;  // its command line, without "lpo"
  std::vector<std::string> outputs;  // paths the step writes (removed before a forced rerun)
};

struct PipelinePlan {
  std::string work_dir;
  std::vector<PipelineStep> steps;
};

/// The step names in order.
const std::vector<std::string>& pipeline_step_names();

/// Builds the plan from a config object:
///   {"work_dir": "runs/x", "model": DIR, "prompts": JSONL, "threads": 2,
///    "steps": {"sample": {"num-candidates": 4, ...}, "select-pairs": {...}, "ref-logprobs": {...},
///              "build-dataset": {...}, "train": {...}, "eval": {"data": JSONL, ...}}}
/// Step flags are written without "--": a string or number becomes "--key value", true
/// "--key", false nothing, an array one "--key v" per element. Relative paths in the
/// config are taken from the config file's directory. The eval step is included when
/// "steps" has "eval". Throws lpo::Error naming the field for a missing or wrong-typed field,
/// an unknown step, or a flag the pipeline sets itself (--model, --data, --out, ...).
PipelinePlan plan_pipeline(const nlohmann::json& config, const std::string& config_path);

/// Reads a JSON config file and plans it. Throws lpo::Error "file: ..." on bad JSON.
PipelinePlan load_pipeline(const std::string& config_path);

/// Runs the plan: `run_step` executes one command line (exit code). Steps already done with
/// the same command line are skipped (logged); `from` (a step name, "" for none) forces that
/// step and the rest to rerun. A step is recorded as done only when it exited 0 and its
/// outputs are complete (train: the newest checkpoint reached --train-iters). A stop signal
/// (util/stop_signal.hpp) during a step throws Stopped without recording it; after a step, it
/// throws Stopped before the next one starts. Throws lpo::Error naming the step that failed.
void run_pipeline(const PipelinePlan& plan, const std::string& from,
                  const std::function<int(const std::vector<std::string>&)>& run_step);

}  // namespace lpo::pipeline
