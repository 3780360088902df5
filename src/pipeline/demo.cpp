#include "pipeline/demo.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "data/encode_pairs.hpp"
#include "data/scored_pairs.hpp"
#include "data/synthetic_arithmetic.hpp"
#include "model/transformer.hpp"
#include "pipeline/ref_logprobs.hpp"
#include "tokenizer/byte_level_vocab.hpp"
#include "tokenizer/tokenizer.hpp"
#include "data/sft_examples.hpp"
#include "training/preference_task.hpp"
#include "training/sft_task.hpp"
#include "training/trainer.hpp"
#include "util/files.hpp"
#include "util/log.hpp"

namespace fs = std::filesystem;

namespace lpo::pipeline {
namespace {

constexpr const char* kEos = "<|endoftext|>";

// Tokenizer + randomly initialised model directory; returns its path.
std::string make_initial_model(const std::string& dir, uint64_t seed) {
  fs::create_directories(dir);
  write_file_atomic(dir + "/tokenizer.json", byte_level_tokenizer_json({kEos}).dump() + "\n");
  write_file_atomic(dir + "/tokenizer_config.json",
                    nlohmann::json{{"eos_token", kEos}, {"bos_token", nullptr}}.dump(2) + "\n");
  auto tokenizer = load_tokenizer(dir);
  ModelConfig config = preset_config("tiny", tokenizer->vocab_size());
  // Smaller than "tiny" so the whole demo runs in a minute or two on 2 cores.
  config.hidden_size = 128;
  config.intermediate_size = 352;
  config.num_hidden_layers = 3;
  config.num_attention_heads = 4;
  config.num_key_value_heads = 2;
  config.eos_token_ids = {*tokenizer->eos_id()};
  Transformer model(config);
  model.init_random(seed);
  save_model(model, dir);
  log::info("initial model: ", model.num_parameters(), " parameters, vocab ", config.vocab_size);
  return dir;
}

std::vector<ScoredPair> scored_arithmetic(const Transformer& reference, const Tokenizer& tokenizer, int n,
                                          uint64_t seed, bool progress) {
  auto pairs = make_arithmetic_pairs(n, seed);
  EncodeOptions encode;
  encode.seq_length = 128;
  auto tokens = encode_pairs(pairs, tokenizer, encode);
  return score_pairs(reference, tokens, {32, progress});
}

training::TrainConfig base_config(const DemoOptions& o, const std::string& model_dir, int64_t iters, double lr) {
  training::TrainConfig config;
  config.model = model_dir;
  config.optim.lr = lr;
  config.optim.min_lr = lr / 10;
  config.optim.lr_warmup_iters = iters / 10;
  config.train_iters = iters;
  config.micro_batch_size = o.micro_batch_size;
  config.global_batch_size = o.global_batch_size;
  config.seq_length = 128;
  config.log_interval = std::max<int64_t>(1, iters / 5);
  config.seed = o.seed;
  config.progress = o.progress;
  return config;
}

// Supervised warm-up on right answers; returns the SFT checkpoint (the reference model).
std::string run_sft(const DemoOptions& o, const std::string& init_dir, const Tokenizer& tokenizer) {
  std::vector<SftText> texts;
  for (auto& [prompt, answer] : make_arithmetic_sft(o.train_pairs, o.seed + 7)) texts.push_back({prompt, answer, ""});
  auto examples = encode_sft_examples(texts, tokenizer, 128);
  training::TrainConfig config = base_config(o, init_dir, o.sft_iters, o.sft_lr);
  config.train_mode = "sft";
  config.save = o.out_dir + "/sft";
  log::info("SFT: ", o.sft_iters, " iterations on ", examples.size(), " right answers");
  training::SftTask task(examples);
  return training::train(config, task).checkpoint;
}

void print_row(const char* name, double before, double after) {
  std::printf("  %-28s %12.4f %12.4f %+12.4f\n", name, before, after, after - before);
}

void print_table(const DemoResult& r) {
  std::printf("\nheld-out pairs: %lld (lpo-ste, beta 0.2, gamma 10, r1 1, r2 0.2, --is-average)\n",
              static_cast<long long>(r.before.pairs));
  std::printf("  %-28s %12s %12s %12s\n", "metric", "before", "after", "change");
  print_row("loss", r.before.loss, r.after.loss);
  print_row("rewards/accuracies", r.before.accuracy, r.after.accuracy);
  print_row("rewards/margins", r.before.margin, r.after.margin);
  print_row("logps/chosen (mean/token)", r.before.chosen_logps, r.after.chosen_logps);
  print_row("logps/rejected (mean/token)", r.before.rejected_logps, r.after.rejected_logps);
  std::printf("(before = the SFT model, which is also the reference)\n");
  std::printf("\nchosen log-prob change vs reference:   %+.4f nats/token\n", r.after.chosen_delta);
  std::printf("rejected log-prob change vs reference: %+.4f nats/token\n", r.after.rejected_delta);
  std::printf("checkpoint: %s  (%.0f s)\n", r.checkpoint.c_str(), r.seconds);
}

}  // namespace

DemoResult run_demo(const DemoOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  fs::remove_all(o.out_dir);
  const std::string init_dir = make_initial_model(o.out_dir + "/init", o.seed);
  auto tokenizer = load_tokenizer(init_dir);
  const std::string model_dir = run_sft(o, init_dir, *tokenizer);
  Transformer reference = load_model(model_dir);

  log::info("scoring ", o.train_pairs, " train and ", o.eval_pairs, " held-out pairs with the reference model");
  auto train_pairs = scored_arithmetic(reference, *tokenizer, o.train_pairs, o.seed, o.progress);
  auto eval_pairs = scored_arithmetic(reference, *tokenizer, o.eval_pairs, o.seed + 1000003, o.progress);
  write_scored_pairs(o.out_dir + "/train.scored.jsonl", {tokenizer->fingerprint(), 128, model_dir}, train_pairs);

  training::TrainConfig config = base_config(o, model_dir, o.train_iters, o.lr);
  config.data_path = o.out_dir + "/train.scored.jsonl";
  config.save = o.out_dir + "/lpo";
  config.loss.type = "lpo-ste";
  config.loss.beta = 0.2;
  config.loss.gamma = 10;
  config.loss.r1 = 1;
  config.loss.r2 = 0.2;
  config.loss.add_sft_loss = true;
  config.loss.is_average = true;

  DemoResult r;
  const VectorPairSource train_source(std::move(train_pairs)), eval_source(std::move(eval_pairs));
  r.before = evaluation::evaluate_pairs(reference, eval_source, config.loss);
  training::PreferenceTask task(train_source, config.loss);
  r.checkpoint = training::train(config, task).checkpoint;
  r.after = evaluation::evaluate_pairs(load_model(r.checkpoint), eval_source, config.loss);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  print_table(r);
  return r;
}

}  // namespace lpo::pipeline
