#include "pipeline/demo.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "data/encode_pairs.hpp"
#include "data/pair_reader.hpp"
#include "data/pair_source.hpp"
#include "data/sft_examples.hpp"
#include "evaluation/gsm8k_eval.hpp"
#include "evaluation/pair_eval.hpp"
#include "model/transformer.hpp"
#include "pipeline/demo_report.hpp"
#include "pipeline/ref_logprobs.hpp"
#include "pipeline/sample.hpp"
#include "pipeline/select_pairs.hpp"
#include "tokenizer/byte_level_vocab.hpp"
#include "training/preference_task.hpp"
#include "training/sft_task.hpp"
#include "training/trainer.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/log.hpp"
#include "util/stop_signal.hpp"

namespace lpo::pipeline {
namespace fs = std::filesystem;
namespace {

constexpr const char* kEos = "<|endoftext|>";
constexpr int kSeqLength = 160;

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

void write_problems(const std::string& path, const std::vector<MathProblem>& problems) {
  std::string text;
  for (const auto& p : problems) text += math_problem_json(p).dump() + "\n";
  write_file_atomic(path, text);
}

// The word-level tokenizer and a randomly initialised model; returns the directory.
std::string make_initial_model(const DemoOptions& o) {
  const std::string dir = o.out_dir + "/init";
  fs::create_directories(dir);
  write_file_atomic(dir + "/tokenizer.json", byte_level_tokenizer_json({kEos}, math_task_words()).dump() + "\n");
  write_file_atomic(dir + "/tokenizer_config.json",
                    nlohmann::json{{"eos_token", kEos}, {"bos_token", nullptr}}.dump(2) + "\n");
  auto tokenizer = load_tokenizer(dir);
  ModelConfig config = preset_config("tiny", tokenizer->vocab_size());
  config.hidden_size = o.hidden;
  config.intermediate_size = o.intermediate;
  config.num_hidden_layers = o.layers;
  config.num_attention_heads = o.heads;
  config.num_key_value_heads = o.kv_heads;
  config.eos_token_ids = {*tokenizer->eos_id()};
  Transformer model(config);
  model.init_random(o.seed);
  save_model(model, dir);
  log::info("model: ", model.num_parameters(), " parameters, vocabulary ", config.vocab_size, " (word-level)");
  return dir;
}

evaluation::Gsm8kOptions greedy(const DemoOptions& o, const Transformer& model) {
  evaluation::Gsm8kOptions g;
  g.generate.max_new_tokens = o.max_new_tokens;
  g.generate.batch_size = 64;
  g.generate.stop_ids = model.config().eos_token_ids;
  g.progress = false;
  return g;
}

training::TrainConfig base_config(const DemoOptions& o, const std::string& model, const std::string& name) {
  training::TrainConfig c;
  c.model = model;
  c.save = o.out_dir + "/runs/" + name;
  c.tensorboard_dir = o.out_dir + "/tensorboard/" + name;
  c.micro_batch_size = o.micro_batch_size;
  c.global_batch_size = o.global_batch_size;
  c.train_iters = o.pref_iters;
  c.log_interval = std::max<int64_t>(1, o.pref_iters / 5);
  c.optim.lr_warmup_iters = std::min<int64_t>(10, o.pref_iters / 5);
  c.optim.weight_decay = 0.0;
  c.seed = o.seed;
  c.progress = o.progress;
  c.device = o.device;
  c.bf16 = o.bf16;
  return c;
}

// 2. SFT from scratch, evaluated on dev problems every sft_eval_interval; stops at the plateau.
std::string train_sft(const DemoOptions& o, const std::string& init, const std::vector<MathProblem>& train,
                      const std::vector<evaluation::Gsm8kItem>& dev, nlohmann::json& record) {
  auto tokenizer = load_tokenizer(init);
  std::vector<SftText> texts;
  for (const auto& p : train) texts.push_back({p.question, p.answer, ""});
  const std::vector<SftTokens> examples = encode_sft_examples(texts, *tokenizer, kSeqLength);
  training::SftTask task(examples);
  training::TrainConfig c = base_config(o, init, "sft");
  c.train_iters = o.sft_max_iters;
  c.micro_batch_size = c.global_batch_size = o.sft_batch;
  // Cosine to a tenth over sft_max_iters: the decay brings the model to its plateau within the
  // budget; held-out accuracy stops the run earlier when it stops improving.
  c.optim.lr = o.sft_lr;
  c.optim.min_lr = 0.1 * o.sft_lr;
  c.optim.lr_warmup_iters = 20;
  c.log_interval = o.sft_eval_interval;
  c.eval_interval = o.sft_eval_interval;
  c.eval_patience = o.sft_patience;
  c.eval_min_iters = o.sft_max_iters / 2;
  c.eval_metric = "eval/accuracy";
  c.eval_higher_is_better = true;
  auto evaluator = [&](const Transformer& model) {
    auto report = evaluation::evaluate_gsm8k(model, *tokenizer, dev, greedy(o, model));
    return training::Metrics{{"eval/accuracy", report.flexible}};
  };
  training::TrainResult r = training::train(c, task, evaluator);
  throw_if_stopped("demo, during SFT; a rerun of `lpo demo` starts over");
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& [iter, m] : r.evaluations) curve.push_back({iter, m.at("eval/accuracy")});
  record = {{"iterations", r.iterations}, {"stopped_at_plateau", r.stopped_early}, {"dev_accuracy", curve}};
  return r.checkpoint;
}

struct PreferenceData {
  std::vector<ScoredPair> train, held_out;  // held_out: pairs of the last tenth of the prompts
  std::vector<SftTokens> chosen;             // the control's data: (prompt, chosen) of train
  nlohmann::json report;
};

// 3. sample -> select pairs -> reference log-probs.
PreferenceData make_pairs(const DemoOptions& o, const std::string& sft, const std::vector<MathProblem>& prompts) {
  const std::string dir = o.out_dir + "/data";
  write_problems(dir + "/pref_prompts.jsonl", prompts);
  Transformer model = load_model(sft, o.device);
  auto tokenizer = load_tokenizer(sft);
  SampleOptions s;
  s.num_candidates = o.num_candidates;
  s.generate.temperature = 1.0;  // the seed samples at T = 1, top-p 1
  s.generate.max_new_tokens = o.max_new_tokens;
  s.generate.stop_ids = model.config().eos_token_ids;
  s.generate.seed = o.seed;
  SampleReport sampled = sample_candidates(model, *tokenizer, dir + "/pref_prompts.jsonl", dir + "/candidates.jsonl", s);
  SelectReport selected = select_pairs(dir + "/candidates.jsonl", dir + "/pairs.jsonl", {PairTask::gsm8k, false});
  auto pairs = read_pairs(dir + "/pairs.jsonl");
  EncodeOptions encode;
  encode.seq_length = kSeqLength;
  auto scored = score_pairs(model, encode_pairs(pairs, *tokenizer, encode), {32, o.progress});
  PreferenceData d;
  const size_t cut = pairs.size() - std::min<size_t>(pairs.size() / 10, 64);
  for (size_t i = 0; i < scored.size(); ++i) (i < cut ? d.train : d.held_out).push_back(scored[i]);
  check(!d.train.empty() && !d.held_out.empty(), "the SFT model's samples gave too few wrong answers (",
        scored.size(), " pairs) to train on; raise pref_prompts");
  for (const auto& p : d.train) d.chosen.push_back({p.tokens.prompt, p.tokens.chosen});
  d.report = {{"prompts", sampled.prompts},        {"candidates", sampled.candidates},
              {"correct", selected.correct},       {"sample_accuracy", double(selected.correct) / selected.candidates},
              {"pairs", scored.size()},            {"train_pairs", d.train.size()},
              {"held_out_pairs", d.held_out.size()}, {"sampling_tokens_per_s", sampled.new_tokens / sampled.seconds}};
  return d;
}

struct Method {
  std::string name, kind;  // kind: dpo | lpo | control
  double lr = 0, r2 = 0.2;
};

std::vector<Method> methods(const DemoOptions& o) {
  std::vector<Method> out;
  char buf[64];
  for (double lr : o.lr_sweep) {
    std::snprintf(buf, sizeof buf, "%g", lr);
    out.push_back({std::string("dpo_lr") + buf, "dpo", lr});
    out.push_back({std::string("lpo_lr") + buf, "lpo", lr});
  }
  out.push_back({"control", "control", o.lr});
  for (double r2 : o.r2_sweep) {
    std::snprintf(buf, sizeof buf, "%g", r2);
    out.push_back({std::string("lpo_r2_") + buf, "lpo", o.lr, r2});
  }
  return out;
}

objectives::LossConfig loss_for(const Method& m, const DemoOptions& o) {
  objectives::LossConfig loss;
  if (m.kind == "dpo") {
    loss.type = "sigmoid";
    loss.beta = o.dpo_beta;
  } else {  // the seed's LPO recipe
    loss.type = "lpo-ste";
    loss.beta = 0.2;
    loss.gamma = 10;
    loss.r1 = 1;
    loss.r2 = m.r2;
    loss.add_sft_loss = true;
    loss.is_average = true;
  }
  return loss;
}

// 4.+5. One method from the SFT weights: train (log-prob curves on held-out pairs), evaluate.
nlohmann::json run_method(const DemoOptions& o, const Method& m, const std::string& sft, const PreferenceData& data,
                          const std::vector<evaluation::Gsm8kItem>& test) {
  const auto t0 = Clock::now();
  training::TrainConfig c = base_config(o, sft, m.name);
  c.optim.lr = m.lr;
  c.loss = loss_for(m, o);
  c.eval_interval = o.curve_interval;
  const VectorPairSource held_out(data.held_out), train_pairs(data.train);
  objectives::LossConfig per_token = c.loss;
  per_token.is_average = true;  // curves in nats per token for every method
  std::vector<std::array<double, 3>> curve = {{0, 0, 0}};
  auto evaluator = [&](const Transformer& model) {
    auto e = evaluation::evaluate_pairs(model, held_out, per_token, 64);
    return training::Metrics{{"eval/chosen_delta", e.chosen_delta}, {"eval/rejected_delta", e.rejected_delta},
                             {"eval/accuracy", e.accuracy}};
  };
  training::TrainResult r;
  if (m.kind == "control") {
    training::SftTask task(data.chosen);
    r = training::train(c, task, evaluator);
  } else {
    training::PreferenceTask task(train_pairs, c.loss);
    r = training::train(c, task, evaluator);
  }
  throw_if_stopped("demo, during run " + m.name + "; no report was written, a rerun of `lpo demo` starts over");
  for (const auto& [iter, e] : r.evaluations)
    curve.push_back({double(iter), e.at("eval/chosen_delta"), e.at("eval/rejected_delta")});
  Transformer model = load_model(r.checkpoint, o.device);
  auto tokenizer = load_tokenizer(sft);
  auto acc = evaluation::evaluate_gsm8k(model, *tokenizer, test, greedy(o, model));
  nlohmann::json j = {{"name", m.name}, {"method", m.kind}, {"lr", m.lr}, {"r2", m.r2},
                      {"loss", c.loss.type}, {"beta", c.loss.beta}, {"strict", acc.strict},
                      {"flexible", acc.flexible}, {"curve", curve}, {"seconds", since(t0)}};
  j["chosen_delta"] = curve.back()[1];
  j["rejected_delta"] = curve.back()[2];
  j["rejected_slope_per_100"] = slope_per_100(curve, 2);
  log::info(m.name, ": accuracy strict ", acc.strict, " flexible ", acc.flexible, ", chosen ", curve.back()[1],
            " rejected ", curve.back()[2], " nats/token (", since(t0), " s)");
  return j;
}

}  // namespace

void DemoOptions::make_quick() {
  sft_problems = 300;
  pref_prompts = 40;
  dev_problems = 16;
  test_problems = 24;
  hidden = 32;
  intermediate = 64;
  layers = 1;
  heads = 2;
  kv_heads = 1;
  sft_max_iters = 40;
  sft_eval_interval = 20;
  sft_batch = 16;
  num_candidates = 2;
  max_new_tokens = 24;
  pref_iters = 4;
  micro_batch_size = global_batch_size = 8;
  curve_interval = 2;
  lr_sweep = {3e-5, 1e-4};
  r2_sweep = {0.1, 1.0};
}

nlohmann::json run_demo(const DemoOptions& o) {
  StopSignal stop;  // one scope for the whole demo: a signal ends it at the next safe point
  const auto t0 = Clock::now();
  fs::remove_all(o.out_dir);
  fs::create_directories(o.out_dir + "/data");
  log::info("1/5 task: ", o.sft_problems, " training problems, ", o.test_problems, " held-out test problems");
  const auto train = make_math_problems(o.sft_problems, o.seed, o.task);
  const auto held = make_math_problems(o.dev_problems + o.test_problems, o.seed + 1, o.task, train);
  write_problems(o.out_dir + "/data/train.jsonl", train);
  write_problems(o.out_dir + "/data/dev.jsonl", {held.begin(), held.begin() + o.dev_problems});
  write_problems(o.out_dir + "/data/test.jsonl", {held.begin() + o.dev_problems, held.end()});
  const auto dev = evaluation::read_gsm8k(o.out_dir + "/data/dev.jsonl");
  const auto test = evaluation::read_gsm8k(o.out_dir + "/data/test.jsonl");
  const std::string init = make_initial_model(o);

  log::info("2/5 SFT until held-out accuracy stops improving");
  nlohmann::json results = {{"seed", o.seed}, {"task", {{"min_steps", o.task.min_steps}, {"max_steps", o.task.max_steps},
                                                        {"max_operand", o.task.max_operand}}}};
  nlohmann::json sft_record;
  const std::string sft = train_sft(o, init, train, dev, sft_record);
  Transformer sft_model = load_model(sft, o.device);
  auto sft_acc = evaluation::evaluate_gsm8k(sft_model, *load_tokenizer(sft), test, greedy(o, sft_model));
  sft_record.update({{"name", "sft"}, {"method", "sft"}, {"strict", sft_acc.strict}, {"flexible", sft_acc.flexible},
                     {"parameters", sft_model.num_parameters()}});
  results["sft"] = sft_record;
  log::info("SFT model: test accuracy strict ", sft_acc.strict, " flexible ", sft_acc.flexible);

  log::info("3/5 sample ", o.num_candidates, " candidates for ", o.pref_prompts, " prompts, select pairs, score");
  const std::vector<MathProblem> prompts(train.begin(), train.begin() + std::min<size_t>(train.size(), o.pref_prompts));
  PreferenceData data = make_pairs(o, sft, prompts);
  throw_if_stopped("demo, while sampling and scoring; a rerun of `lpo demo` starts over");
  results["pairs"] = data.report;

  log::info("4/5 train DPO, LPO, the control and the r2 sweep from the SFT weights");
  results["runs"] = nlohmann::json::array();
  for (const Method& m : methods(o)) results["runs"].push_back(run_method(o, m, sft, data, test));
  results["settings"] = {{"main_lr", o.lr}, {"pref_iters", o.pref_iters}, {"global_batch_size", o.global_batch_size},
                         {"test_problems", o.test_problems}, {"dpo_beta", o.dpo_beta}};
  results["seconds"] = since(t0);

  throw_if_stopped("demo, before the report");
  log::info("5/5 report");
  write_demo_report(o.out_dir, results);
  print_demo_table(results);
  return results;
}

}  // namespace lpo::pipeline
