// `lpo eval`: GSM8K-style accuracy by greedy generation (or of given generations), or held-out
// preference accuracy of a policy against its reference log-probs.
#include <iostream>

#include "cli/adapter_flag.hpp"
#include "cli/command.hpp"
#include "evaluation/gsm8k_eval.hpp"
#include "evaluation/pair_eval.hpp"
#include "model/runtime.hpp"
#include "model/transformer.hpp"
#include "training/checkpoint.hpp"
#include "training/training_data.hpp"
#include "util/error.hpp"
#include "util/files.hpp"
#include "util/log.hpp"
#include "util/stop_signal.hpp"

namespace lpo::cli {
namespace {

struct Flags {
  ComputeFlags compute;
  std::string task = "gsm8k", model, data, out, summary, generations_field, fewshot_data, chat = "auto";
  std::string adapter;
  long limit = 0;
  evaluation::Gsm8kOptions gsm8k;
  objectives::LossConfig loss;
  int64_t batch_size = 16;
};

// A dotted path into a JSON object ("6b_finetuning.solution").
std::string string_at(const nlohmann::json& j, const std::string& path, const std::string& where) {
  const nlohmann::json* node = &j;
  size_t from = 0;
  while (true) {
    const size_t dot = path.find('.', from);
    const std::string key = path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
    check(node->is_object() && node->contains(key), where, ": no field '", path, "'");
    node = &(*node)[key];
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  check(node->is_string(), where, ": field '", path, "' is not a string");
  return node->get<std::string>();
}

nlohmann::json run_gsm8k(Flags& f) {
  auto items = evaluation::read_gsm8k(f.data, f.limit);
  evaluation::Gsm8kReport report;
  if (!f.generations_field.empty()) {
    std::vector<std::string> generations;
    for (const auto& item : items) generations.push_back(string_at(item.line, f.generations_field, item.source));
    report = evaluation::score_gsm8k(items, generations);
  } else {
    check(!f.model.empty(), "--task gsm8k needs --model (or --generations-field to score given texts)");
    auto& o = f.gsm8k;
    o.chat = resolve_chat_format(f.chat, f.model);
    if (o.num_fewshot > 0) {
      check(!f.fewshot_data.empty(), "--num-fewshot needs --fewshot-data (solved problems, e.g. the train split)");
      o.fewshot = evaluation::read_gsm8k(f.fewshot_data, o.num_fewshot);
      if (o.stop_strings.empty()) o.stop_strings = {"Question:", "\n\n"};
    }
    Transformer model = load_model_with_adapter(f.model, f.adapter, compute_device(f.compute), compute_dtype(f.compute));
    if (o.generate.stop_ids.empty()) o.generate.stop_ids = model.config().eos_token_ids;
    auto tokenizer = load_tokenizer(f.model);
    report = evaluation::evaluate_gsm8k(model, *tokenizer, items, o);
  }
  if (!f.out.empty()) evaluation::write_gsm8k_results(f.out, items, report);
  return report.summary();
}

nlohmann::json run_pairs(Flags& f) {
  check(!f.model.empty(), "--task pairs needs --model");
  const ModelConfig config = ModelConfig::load(f.model);
  auto pairs = training::open_pairs_for(f.data, f.model, config, 0);
  Transformer policy = load_model_with_adapter(f.model, f.adapter, compute_device(f.compute), compute_dtype(f.compute));
  auto e = evaluation::evaluate_pairs(policy, *pairs, f.loss, f.batch_size);
  return {{"task", "pairs"},          {"n", e.pairs},
          {"accuracy", e.accuracy},   {"margin", e.margin},
          {"loss", e.loss},           {"chosen_logps", e.chosen_logps},
          {"rejected_logps", e.rejected_logps}, {"chosen_delta", e.chosen_delta},
          {"rejected_delta", e.rejected_delta}};
}

Register reg("eval", "evaluate a model: gsm8k accuracy (strict/flexible) or held-out preference accuracy",
             [](CLI::App& app) -> Runner {
               auto f = std::make_shared<Flags>();
               auto& g = f->gsm8k.generate;
               g.max_new_tokens = 256;
               g.batch_size = 16;
               app.add_option("--task", f->task, "gsm8k | pairs")->check(CLI::IsMember({"gsm8k", "pairs"}))
                   ->capture_default_str();
               app.add_option("--model", f->model, "model directory (with its tokenizer), or a --save directory: its latest checkpoint");
               add_adapter_flag(app, f->adapter);
               app.add_option("--data", f->data,
                              "gsm8k: question/answer JSONL; pairs: scored pairs JSONL or a build-dataset PREFIX")
                   ->required();
               app.add_option("--out", f->out, "gsm8k: per-problem results JSONL");
               app.add_option("--summary", f->summary, "write the summary JSON here too");
               app.add_option("--limit", f->limit, "evaluate the first N problems (0: all)")->capture_default_str();
               app.add_option("--generations-field", f->generations_field,
                              "gsm8k: score this (dotted) field of each line instead of generating");
               app.add_option("--num-fewshot", f->gsm8k.num_fewshot, "gsm8k: solved examples before each question")
                   ->capture_default_str();
               app.add_option("--fewshot-data", f->fewshot_data, "gsm8k: where the solved examples come from");
               app.add_option("--chat-format", f->chat, "auto|template|plain|chatml: how the question becomes the prompt (auto: the model's chat template when it has one, else plain)")
                   ->capture_default_str();
               app.add_option("--max-new-tokens", g.max_new_tokens)->capture_default_str();
               app.add_option("--batch-size", g.batch_size, "gsm8k: problems decoded together")->capture_default_str();
               app.add_option("--stop", f->gsm8k.stop_strings, "gsm8k: strings that end a generation");
               app.add_option("--beta", f->loss.beta, "pairs: reward scale")->capture_default_str();
               app.add_option("--loss-type", f->loss.type, "pairs: the loss column's type")->capture_default_str();
               app.add_flag("--is-average", f->loss.is_average, "pairs: mean instead of summed log-probs");
               app.add_flag("!--no-progress", f->gsm8k.progress, "no progress bar");
               add_compute_flags(app, f->compute);
               return [f] {
    StopSignal stop;  // the first SIGTERM/SIGINT ends the run at a batch boundary, writing nothing
                 apply_compute_flags(f->compute);
                 if (!f->model.empty()) f->model = training::model_dir_or_latest(f->model);
                 nlohmann::json summary = f->task == "gsm8k" ? run_gsm8k(*f) : run_pairs(*f);
                 std::cout << summary.dump() << std::endl;
                 if (!f->summary.empty()) write_file_atomic(f->summary, summary.dump(2) + "\n");
                 return 0;
               };
             });

}  // namespace
}  // namespace lpo::cli
